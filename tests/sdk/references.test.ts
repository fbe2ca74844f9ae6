// What can never work is refused before a run (issue 13, item 1 and hysteresis of item 8): a
// fact reading an input nothing provides, a threshold limit no valid value can pass, a
// hysteresis band ending outside the channel's range. validatePlugin reports each with its path
// and the value; PluginRegistry.register refuses it with MF_ERR_PLUGIN_INVALID naming the plugin.
import { describe, expect, it } from "vitest";
import { FACT_READING_FIELDS, PluginError, PluginRegistry, READING_FACTS, defineFact, validatePlugin } from "../../sdk/index.js";
import type { PluginDescriptor } from "../../sdk/index.js";
import { BUILTIN_PLUGINS } from "../../plugins/index.js";
import { climate } from "./fixtures.js";

const moisture = { name: "soil_moisture", unit: "%", description: "volumetric water content", range: { min: 0, max: 100 } };
const soil = (more: Partial<PluginDescriptor>): PluginDescriptor => ({ name: "acme-soil", version: "1.0.0", sdk: "^1.0.0", sensors: [moisture], ...more });
const dryness = (reads: string[]) =>
  defineFact({ name: "dryness", description: "0 wet .. 1 dry", reads, writes: ["soil_dryness"], compute(input, output, n) {
    const m = input[reads[0] as string] as Float64Array;
    for (let i = 0; i < n; i++) output.soil_dryness[i] = 1 - (m[i] as number) / 100;
  } });
const dry = (over: object = {}) => ({ name: "dry", channel: "soil_moisture", below: 15, forMinutes: 60, severity: "warning" as const, message: "dry", ...over });

function registerError(...plugins: PluginDescriptor[]): PluginError {
  const registry = new PluginRegistry();
  try {
    for (const p of plugins) registry.register(p);
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    expect(registry.plugin(plugins.at(-1)?.name as string), "nothing registered").toBeUndefined();
    return error as PluginError;
  }
  throw new Error("registered");
}

describe("a fact reading an input nothing provides", () => {
  const typo = soil({ facts: [dryness(["soil_moisure"])] });

  it("is a problem of validatePlugin naming the fact's input and the value", () => {
    expect(validatePlugin(typo)).toEqual([{
      path: "facts[0].reads[0]",
      message: expect.stringContaining('"soil_moisure" is provided by nothing'),
    }]);
  });

  it("is refused by register with MF_ERR_PLUGIN_INVALID naming plugin, field and value", () => {
    const e = registerError(typo);
    expect([e.code, e.plugin, e.hook]).toEqual(["MF_ERR_PLUGIN_INVALID", "acme-soil", "register"]);
    expect(e.problems.map((p) => p.path)).toEqual(["facts[0].reads[0]"]);
    expect(e.message).toContain('facts[0].reads[0]: "soil_moisure" is provided by nothing');
  });

  it("the reading fields a fact can read are numeric facts of the one list of reading facts", () => {
    for (const name of FACT_READING_FIELDS) expect(READING_FACTS.find((f) => f.name === name)?.type, name).toBe("number");
  });

  it("reading fields, the plugin's channels and earlier facts' columns are provided", () => {
    const second = defineFact({ name: "very-dry", description: "", reads: ["soil_dryness", "daily"], writes: ["soil_very_dry"], compute() {} });
    expect(validatePlugin(soil({ facts: [dryness(["soil_moisture"]), second] }))).toEqual([]);
    expect(validatePlugin(soil({ facts: [dryness(["consumption"])] }))).toEqual([]);
    // A reading fact the engine does not hand to compute (only FACT_READING_FIELDS are columns).
    expect(validatePlugin(soil({ facts: [dryness(["average_daily"])] })).map((p) => p.path)).toEqual(["facts[0].reads[0]"]);
  });

  it("a dependency's channels and fact columns are provided; a registered plugin that is no dependency is named in a hint", () => {
    const humid = (dependencies?: Record<string, string>) => soil({
      ...(dependencies === undefined ? {} : { dependencies }),
      facts: [defineFact({ name: "humid", description: "", reads: ["dew", "rh"], writes: ["soil_humid"], compute() {} })],
    });
    expect(validatePlugin(humid({ "test-climate": "^1.0.0" }), { dependencies: [climate] })).toEqual([]);
    // Alone, a plugin with dependencies cannot be judged: registration judges it.
    expect(validatePlugin(humid({ "test-climate": "^1.0.0" }))).toEqual([]);
    const registry = new PluginRegistry();
    registry.registerAll([climate, humid({ "test-climate": "^1.0.0" })]);
    expect(registry.facts.map((f) => f.name)).toEqual(["dew-point", "humid"]);

    const e = registerError(climate, humid());
    expect(e.code).toBe("MF_ERR_PLUGIN_INVALID");
    expect(e.problems).toEqual([
      { path: "facts[0].reads[0]", message: expect.stringContaining('"dew" is provided by nothing') },
      { path: "facts[0].reads[1]", message: expect.stringContaining('"rh" is provided by nothing') },
    ]);
    expect(e.problems[1]?.message).toMatch(/plugin "test-climate" provides it: add it to dependencies/);
    // Declared, but the dependency does not provide it: refused at registration.
    const wrong = soil({ dependencies: { "test-climate": "^1.0.0" }, facts: [dryness(["dew_pont"])] });
    expect(registerError(climate, wrong).problems.map((p) => p.path)).toEqual(["facts[0].reads[0]"]);
    expect(validatePlugin(wrong, { dependencies: [climate] }).map((p) => p.path)).toEqual(["facts[0].reads[0]"]);
  });

  it("the built-in plugins pass the checks", () => {
    const registry = new PluginRegistry();
    registry.registerAll(BUILTIN_PLUGINS);
    expect(registry.plugins).toHaveLength(BUILTIN_PLUGINS.length);
  });
});

describe("a threshold no valid value can pass", () => {
  it.each([
    ["below the min", dry({ below: -5 }), "thresholds[0].below", "-5 is outside"],
    ["above the max", dry({ below: undefined, above: 150 }), "thresholds[0].above", "150 is outside"],
    ["above at the max (strict comparison)", dry({ below: undefined, above: 100 }), "thresholds[0].above", "100 is the max"],
    ["below at the min (strict comparison)", dry({ below: 0 }), "thresholds[0].below", "0 is the min"],
  ])("%s: refused by validatePlugin and register", (_, threshold, path, message) => {
    const p = soil({ thresholds: [threshold] });
    expect(validatePlugin(p)).toEqual([{ path, message: expect.stringContaining(message) }]);
    const e = registerError(p);
    expect([e.code, e.plugin]).toEqual(["MF_ERR_PLUGIN_INVALID", "acme-soil"]);
    expect(e.message).toContain(`${path}: ${message}`);
    expect(e.message).toContain('channel "soil_moisture"\'s range 0..100');
  });

  it("limits inside the range are fine, on the plugin's channel or a dependency's", () => {
    expect(validatePlugin(soil({ thresholds: [dry(), dry({ name: "wet", below: undefined, above: 99.9 })] }))).toEqual([]);
    const hot = (above: number) => soil({ dependencies: { "test-climate": "^1.0.0" }, thresholds: [{ name: "hot", channel: "temp", above, severity: "info", message: "hot" }] });
    expect(validatePlugin(hot(90), { dependencies: [climate] }).map((p) => p.path)).toEqual(["thresholds[0].above"]);
    expect(registerError(climate, hot(85)).problems.map((p) => p.path)).toEqual(["thresholds[0].above"]);
    const registry = new PluginRegistry();
    registry.registerAll([climate, hot(84)]);
    expect(registry.thresholds.map((t) => t.rule)).toContain("acme-soil/hot");
  });
});

describe("a hysteresis band ending outside the channel's range", () => {
  it("hysteresis 1000 on a 0-100 channel: refused by validatePlugin and register", () => {
    const p = soil({ thresholds: [dry({ hysteresis: 1000 })] });
    expect(validatePlugin(p)).toEqual([{ path: "thresholds[0].hysteresis", message: expect.stringContaining("1000 reaches outside") }]);
    const e = registerError(p);
    expect(e.code).toBe("MF_ERR_PLUGIN_INVALID");
    expect(e.message).toContain('thresholds[0].hysteresis: 1000 reaches outside channel "soil_moisture"\'s range 0..100 (15 + 1000 = 1015, above the max 100)');
  });

  it("a band that ends inside the range, or exactly at its end, is fine", () => {
    expect(validatePlugin(soil({ thresholds: [dry({ hysteresis: 85 })] }))).toEqual([]);
    expect(validatePlugin(soil({ thresholds: [dry({ hysteresis: 85.5 })] })).map((p) => p.path)).toEqual(["thresholds[0].hysteresis"]);
    const above = dry({ below: undefined, above: 30 });
    expect(validatePlugin(soil({ thresholds: [{ ...above, hysteresis: 30 }] }))).toEqual([]);
    expect(validatePlugin(soil({ thresholds: [{ ...above, hysteresis: 31 }] })).map((p) => p.path)).toEqual(["thresholds[0].hysteresis"]);
  });
});
