// validatePlugin: every rule of sdk/validate.ts's header, by the path of the problem it reports.
import { describe, expect, it } from "vitest";
import { RESERVED_NAMES, unknownThresholdChannels, validatePlugin } from "../../sdk/index.js";
import { MAX_MULTIPLIER } from "../../engine/consumption/registers.js";
import { climate, coldChain, meters, plugin } from "./fixtures.js";

const paths = (p: unknown) => validatePlugin(p).map((x) => x.path);
const sensor = (over: Record<string, unknown> = {}) => ({ name: "temp", unit: "°C", description: "t", range: { min: 0, max: 1 }, ...over });
const threshold = (over: Record<string, unknown> = {}) => ({ name: "t", channel: "temp", above: 0.5, severity: "info", message: "m", ...over });
const fact = (over: Record<string, unknown> = {}) => ({ name: "f", description: "d", reads: ["temp"], writes: ["out"], compute() {}, ...over });
const register = (over: Record<string, unknown> = {}) => ({ name: "gas.register", kind: "register", unit: "m3", description: "d", ...over });
const pulse = (defaults: Record<string, unknown>) => ({ name: "gas.pulse", kind: "pulse", unit: "m3", description: "d", defaults });

describe("validatePlugin", () => {
  it("accepts the fixtures and a minimal plugin", () => {
    for (const p of [climate, coldChain, meters, plugin()]) expect(validatePlugin(p)).toEqual([]);
  });

  it("a descriptor must be an object", () => {
    for (const p of [null, undefined, 1, "x", []]) expect(paths(p)).toEqual(["descriptor"]);
  });

  it.each([
    ["empty name", { name: "" }, ["name"]],
    ["blank name", { name: "  " }, ["name"]],
    ["name not a string", { name: 3 }, ["name"]],
    ["version not semver", { version: "1.0" }, ["version"]],
    ["sdk not a range", { sdk: "one" }, ["sdk"]],
    ["sdk empty", { sdk: "" }, ["sdk"]],
    ["unknown field", { sensor: [] }, ["sensor"]],
    ["dependencies not an object", { dependencies: ["a"] }, ["dependencies"]],
    ["dependency range invalid", { dependencies: { a: "blerg" } }, ["dependencies.a"]],
    ["dependency on itself", { dependencies: { p: "^1.0.0" } }, ["dependencies.p"]],
    ["sensors not an array", { sensors: {} }, ["sensors"]],
    ["sensor not an object", { sensors: [1] }, ["sensors[0]"]],
  ] as const)("%s", (_, over, expected) => {
    expect(paths(plugin(over))).toEqual(expected);
  });

  it.each([
    ["name with upper case", register({ name: "Gas.register" }), ["meterTypes[0].name"]],
    ["name without a dot", register({ name: "gas" }), ["meterTypes[0].name"]],
    ["name starting with a digit", register({ name: "1gas.register" }), ["meterTypes[0].name"]],
    ["a deeper name", register({ name: "heat.pulse.mbus" }), []],
    ["kind unknown", register({ kind: "smart" }), ["meterTypes[0].kind"]],
    ["unit empty", register({ unit: "" }), ["meterTypes[0].unit"]],
    ["digits 0", register({ defaults: { digits: 0 } }), ["meterTypes[0].defaults.digits"]],
    ["digits 23", register({ defaults: { digits: 23 } }), ["meterTypes[0].defaults.digits"]],
    ["digits 2.5", register({ defaults: { digits: 2.5 } }), ["meterTypes[0].defaults.digits"]],
    ["digits 1 and 22", register({ defaults: { digits: 22, scalingFactor: 0.5, rolloverMode: "modulus" } }), []],
    ["scaling factor 0", register({ defaults: { scalingFactor: 0 } }), ["meterTypes[0].defaults.scalingFactor"]],
    // Above what the registry takes: every meter of the type would be rejected bad_scaling_factor / bad_pulse_weight.
    ["scaling factor above the registry's limit", register({ defaults: { scalingFactor: MAX_MULTIPLIER * 10 } }), ["meterTypes[0].defaults.scalingFactor"]],
    ["scaling factor at the registry's limit", register({ defaults: { scalingFactor: MAX_MULTIPLIER } }), []],
    ["pulse weight above the registry's limit", pulse({ pulseWeight: MAX_MULTIPLIER * 10 }), ["meterTypes[0].defaults.pulseWeight"]],
    ["pulse weight at the registry's limit", pulse({ pulseWeight: MAX_MULTIPLIER }), []],
    ["rollover mode unknown", register({ defaults: { rolloverMode: "wrap" } }), ["meterTypes[0].defaults.rolloverMode"]],
    ["register default of a pulse meter", register({ defaults: { pulseWeight: 1 } }), ["meterTypes[0].defaults.pulseWeight"]],
    ["pulse without defaults", { ...pulse({}), defaults: undefined }, ["meterTypes[0].defaults"]],
    ["pulse weight 0", pulse({ pulseWeight: 0 }), ["meterTypes[0].defaults.pulseWeight"]],
    ["pulse weight negative", pulse({ pulseWeight: -1 }), ["meterTypes[0].defaults.pulseWeight"]],
    ["pulse weight Infinity", pulse({ pulseWeight: Number.POSITIVE_INFINITY }), ["meterTypes[0].defaults.pulseWeight"]],
    ["pulse input unknown", pulse({ pulseWeight: 1, pulseInput: "s0c" }), ["meterTypes[0].defaults.pulseInput"]],
    ["every pulse input", pulse({ pulseWeight: 1, pulseInput: "namur", debounceMs: 0, pulseWidthMs: 50, qmax: 2.5, noPulseDays: 30 }), []],
    ["negative debounce", pulse({ pulseWeight: 1, debounceMs: -1 }), ["meterTypes[0].defaults.debounceMs"]],
    ["no-pulse days 0", pulse({ pulseWeight: 1, noPulseDays: 0 }), ["meterTypes[0].defaults.noPulseDays"]],
    ["no-pulse days a fraction", pulse({ pulseWeight: 1, noPulseDays: 2.5 }), ["meterTypes[0].defaults.noPulseDays"]],
    ["no-pulse days 1", pulse({ pulseWeight: 1, noPulseDays: 1 }), []],
  ] as const)("meter type: %s", (_, type, expected) => {
    expect(paths(plugin({ meterTypes: [type] }))).toEqual(expected);
  });

  it("meter type names are unique in a plugin", () => {
    expect(paths(plugin({ meterTypes: [register(), register()] }))).toEqual(["meterTypes[1].name"]);
  });

  it.each([
    ["name with upper case", sensor({ name: "Temp" }), ["sensors[0].name"]],
    ["name with a dash", sensor({ name: "co-2" }), ["sensors[0].name"]],
    ["a dotted name", sensor({ name: "illuminance.uv" }), []],
    ["a reserved name", sensor({ name: "consumption" }), ["sensors[0].name"]],
    ["min equal to max", sensor({ range: { min: 1, max: 1 } }), ["sensors[0].range"]],
    ["an integer channel", sensor({ integer: true }), []],
    ["integer not a boolean", sensor({ integer: 1 }), ["sensors[0].integer"]],
    ["min above max", sensor({ range: { min: 2, max: 1 } }), ["sensors[0].range"]],
    ["min not finite", sensor({ range: { min: Number.NEGATIVE_INFINITY, max: 1 } }), ["sensors[0].range.min"]],
    ["max NaN", sensor({ range: { min: 0, max: Number.NaN } }), ["sensors[0].range.max"]],
    ["no range", sensor({ range: undefined }), ["sensors[0].range"]],
    ["unit not a string", sensor({ unit: 1 }), ["sensors[0].unit"]],
    ["empty unit (dimensionless)", sensor({ unit: "" }), []],
  ] as const)("sensor: %s", (_, s, expected) => {
    expect(paths(plugin({ sensors: [s] }))).toEqual(expected);
  });

  it("channel names are unique in a plugin", () => {
    expect(paths(plugin({ sensors: [sensor(), sensor()] }))).toEqual(["sensors[1].name"]);
  });

  it.each([
    ["both above and below", threshold({ below: 0.1 }), ["thresholds[0]"]],
    ["neither above nor below", threshold({ above: undefined }), ["thresholds[0]"]],
    ["above not finite", threshold({ above: Number.POSITIVE_INFINITY }), ["thresholds[0].above"]],
    ["below NaN", threshold({ above: undefined, below: Number.NaN }), ["thresholds[0].below"]],
    ["a hysteresis band", threshold({ hysteresis: 0.2 }), []],
    ["negative hysteresis", threshold({ hysteresis: -0.2 }), ["thresholds[0].hysteresis"]],
    ["negative duration", threshold({ forMinutes: -1 }), ["thresholds[0].forMinutes"]],
    ["zero duration", threshold({ forMinutes: 0 }), []],
    ["severity unknown", threshold({ severity: "fatal" }), ["thresholds[0].severity"]],
    ["empty message", threshold({ message: "" }), ["thresholds[0].message"]],
    ["name with a slash", threshold({ name: "a/b" }), ["thresholds[0].name"]],
    ["channel of nobody (no dependencies)", threshold({ channel: "humidity" }), ["thresholds[0].channel"]],
  ] as const)("threshold: %s", (_, t, expected) => {
    expect(paths(plugin({ sensors: [sensor()], thresholds: [t] }))).toEqual(expected);
  });

  it("a threshold on another channel is left to registration when the plugin has dependencies", () => {
    const p = plugin({ dependencies: { other: "^1.0.0" }, thresholds: [threshold({ channel: "humidity" })] });
    expect(validatePlugin(p)).toEqual([]);
    expect(validatePlugin(p, { dependencyChannels: new Set(["humidity"]) })).toEqual([]);
    expect(unknownThresholdChannels(p, new Set(["pressure"]))).toEqual([
      { path: "thresholds[0].channel", message: '"humidity" is not a channel of this plugin or of its dependencies' },
    ]);
  });

  it("threshold names are unique in a plugin", () => {
    expect(paths(plugin({ sensors: [sensor()], thresholds: [threshold(), threshold()] }))).toEqual(["thresholds[1].name"]);
  });

  it.each([
    ["reads empty", fact({ reads: [] }), ["facts[0].reads"]],
    ["writes empty", fact({ writes: [] }), ["facts[0].writes"]],
    ["reads not an array", fact({ reads: "temp" }), ["facts[0].reads"]],
    ["a read not a string", fact({ reads: ["temp", 3] }), ["facts[0].reads[1]"]],
    ["an empty write", fact({ writes: [""] }), ["facts[0].writes[0]"]],
    ["a write listed twice", fact({ writes: ["out", "out"] }), ["facts[0].writes[1]"]],
    ["compute not a function", fact({ compute: 1 }), ["facts[0].compute"]],
    ["writes a channel", fact({ writes: ["temp"] }), ["facts[0].writes[0]", "facts[0].writes[0]"]],
    ["writes a reserved name", fact({ writes: ["daily"] }), ["facts[0].writes[0]"]],
    ["reads what it writes", fact({ reads: ["out"], writes: ["out"] }), ["facts[0].writes[0]"]],
  ] as const)("fact: %s", (_, f, expected) => {
    expect(paths(plugin({ sensors: [sensor()], facts: [f] }))).toEqual(expected);
  });

  it("two facts of a plugin cannot write one column; a fact reading a later fact's column is out of order", () => {
    const sensors = [sensor()];
    expect(paths(plugin({ sensors, facts: [fact(), fact({ name: "g" })] }))).toEqual(["facts[1].writes[0]"]);
    expect(paths(plugin({ sensors, facts: [fact({ name: "g", reads: ["out"], writes: ["out2"] }), fact()] }))).toEqual(["facts[0].reads"]);
    expect(paths(plugin({ sensors, facts: [fact(), fact({ name: "g", reads: ["out"], writes: ["out2"] })] }))).toEqual([]);
    expect(paths(plugin({ sensors, facts: [fact(), fact({ writes: ["out2"] })] }))).toEqual(["facts[1].name"]);
  });

  it.each([
    ["not an object", 1, ["rules[0]"]],
    ["no rules array", {}, ["rules[0].rules"]],
    ["a rule not an object", { rules: [1] }, ["rules[0].rules[0]"]],
    ["a rule without conditions", { rules: [{ name: "r", event: { type: "hold" } }] }, ["rules[0].rules[0].conditions"]],
    ["a rule without an event type", { rules: [{ name: "r", conditions: { all: [] }, event: {} }] }, ["rules[0].rules[0].event"]],
    ["a rule without a name (alerts name it <plugin>/<rule>)", { rules: [{ conditions: { all: [] }, event: { type: "hold" } }] }, ["rules[0].rules[0].name"]],
    ["a name not a string", { name: 1, rules: [] }, ["rules[0].name"]],
    ["shared conditions", { rules: [], conditions: { hot: { all: [] } } }, []],
  ] as const)("rule file: %s", (_, file, expected) => {
    expect(paths(plugin({ rules: [file] }))).toEqual(expected);
  });

  it("hooks: only setup and teardown, functions", () => {
    expect(paths(plugin({ hooks: { setup: async () => {}, teardown: async () => {} } }))).toEqual([]);
    expect(paths(plugin({ hooks: { setUp: async () => {} } }))).toEqual(["hooks.setUp"]);
    expect(paths(plugin({ hooks: { setup: "x" } }))).toEqual(["hooks.setup"]);
    expect(paths(plugin({ hooks: 1 }))).toEqual(["hooks"]);
  });

  it("returns every problem at once", () => {
    const p = { name: "", version: "x", sdk: "?", sensors: [sensor({ range: { min: 1, max: 0 } })], thresholds: [threshold({ severity: "bad" })] };
    expect(paths(p)).toEqual(["name", "version", "sdk", "sensors[0].range", "thresholds[0].severity"]);
  });

  it("reserves the engine's reading and fact names", () => {
    for (const name of ["meter_id", "end", "value", "consumption", "daily", "leak", "time", "channel"]) expect(RESERVED_NAMES.has(name), name).toBe(true);
  });
});
