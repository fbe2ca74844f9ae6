// What a plugin names and the outputs write: plugin names (no leading or trailing whitespace,
// control characters or `|`), meter type names against their kind (a `.pulse` type is a pulse
// meter: README "Pulse meters"), rule names (no `|`, `,`, control characters or line breaks;
// unique within the plugin; not a threshold's name), hold and temp_bad reasons; and the hint of
// registerAll for a threshold on a channel of a plugin that is not a dependency.
import { describe, expect, it } from "vitest";
import { PluginError, PluginRegistry, validatePlugin } from "../../sdk/index.js";
import type { PluginDescriptor } from "../../sdk/index.js";
import { BUILTIN_PLUGINS } from "../../plugins/index.js";
import { plugin } from "./fixtures.js";

const problems = (p: unknown) => validatePlugin(p).map((x) => [x.path, x.message]);
const paths = (p: unknown) => validatePlugin(p).map((x) => x.path);
const level = { name: "level", unit: "%", description: "fill level", range: { min: 0, max: 100 } };
const alert = (name: string) => ({ name, conditions: { all: [{ fact: "level", operator: "greaterThan", value: 90 }] }, event: { type: "alert", params: { severity: "warning", channel: "level", message: "full" } } });
const hold = (name: string, reason: string, type = "hold") => ({ name, conditions: { all: [{ fact: "level", operator: "greaterThan", value: 90 }] }, event: { type, params: { reason } } });
const withRules = (...files: unknown[][]) => plugin({ sensors: [level], rules: files.map((rules) => ({ rules })) });

function caught(f: () => void): PluginError {
  try {
    f();
  } catch (e) {
    if (e instanceof PluginError) return e;
    throw e;
  }
  throw new Error("expected a PluginError");
}

describe("plugin names", () => {
  it.each([
    ["a leading space", " acme-turbidity"],
    ["a trailing tab", "acme-turbidity\t"],
    ["a line break", "@audit/trübung\nline2"],
    ["a control character", "acme\u0000x"],
    ["a |", "acme|x"],
  ])("refuses a name with %s", (_, name) => {
    expect(paths(plugin({ name }))).toEqual(["name"]);
  });

  it("accepts scoped npm names and names with other characters", () => {
    for (const name of ["@acme/meterflow-vibration", "acme vibration", "trübung"]) expect(paths(plugin({ name }))).toEqual([]);
  });

  it("shows a refused name quoted in the error, so its whitespace is visible", () => {
    const e = caught(() => new PluginRegistry().register(plugin({ name: "acme " })));
    expect(e.message).toMatch(/^\[plugin "acme "\] register: /);
  });
});

describe("meter type names against their kind", () => {
  it("refuses a register type named .pulse (every registry row of it would be rejected bad_pulse_weight), naming the type", () => {
    const p = plugin({ name: "@audit/turbidity", meterTypes: [{ name: "steam.pulse", kind: "register", unit: "t", description: "steam", defaults: { scalingFactor: 2 } }] });
    const found = problems(p);
    expect(found.map(([path]) => path)).toEqual(["meterTypes[0].kind"]);
    expect(found[0]?.[1]).toContain('"steam.pulse"');
    expect(found[0]?.[1]).toContain("bad_pulse_weight");
    const e = caught(() => new PluginRegistry().register(p));
    expect([e.code, e.plugin]).toEqual(["MF_ERR_PLUGIN_INVALID", "@audit/turbidity"]);
  });

  it("accepts what the README's rule allows: a pulse type of another name, a deeper register name", () => {
    const types = [
      { name: "steam.counter", kind: "pulse", unit: "t", description: "steam pulses", defaults: { pulseWeight: 0.5 } },
      { name: "heat.pulse.mbus", kind: "register", unit: "kWh", description: "heat" },
      { name: "steam.pulse", kind: "pulse", unit: "t", description: "steam", defaults: { pulseWeight: 1 } },
    ];
    expect(problems(plugin({ meterTypes: types }))).toEqual([]);
  });
});

describe("plugin rule names and reasons", () => {
  it.each([
    ["a |", "turbid | class"],
    ["a comma", "turbid,class"],
    ["a line break", "turbid\nclass"],
    ["a control character", "turbid\u001bclass"],
    ["nothing", ""],
  ])("refuses a rule name with %s", (_, name) => {
    expect(paths(withRules([alert(name)]))).toEqual(["rules[0].rules[0].name"]);
  });

  it("refuses a rule name used twice in the plugin, also across its rule files", () => {
    expect(paths(withRules([alert("full"), alert("full")]))).toEqual(["rules[0].rules[1].name"]);
    expect(paths(withRules([alert("full")], [alert("full")]))).toEqual(["rules[1].rules[0].name"]);
  });

  it("refuses a rule named like one of the plugin's thresholds: both write <plugin>/<name> to alerts.csv", () => {
    const p = plugin({ sensors: [level], thresholds: [{ name: "full", channel: "level", above: 95, severity: "info", message: "full" }], rules: [{ rules: [alert("full")] }] });
    expect(problems(p)).toEqual([["rules[0].rules[0].name", expect.stringContaining('"full" has the name of a threshold')]]);
  });

  it.each([
    ["a |", "hold", "wet | dry"],
    ["a line break", "temp_bad", "wet\ndry"],
    ["a control character", "hold", "wet\u0000"],
  ])("refuses a hold or temp_bad reason with %s", (_, type, reason) => {
    expect(paths(withRules([hold("r", reason, type)]))).toEqual(["rules[0].rules[0].event.params.reason"]);
  });

  it("accepts rule names with spaces and dots, and reasons with commas", () => {
    expect(problems(withRules([alert("tank full.v2"), hold("turbid", "turbidity high, check filter")]))).toEqual([]);
  });
});

describe("registerAll: a threshold on a channel of a plugin that is not a dependency", () => {
  it("gives the hint: plugin X provides it, add it to dependencies", () => {
    const p = plugin({ name: "acme-frost", thresholds: [{ name: "frost", channel: "temperature", below: 0, severity: "warning", message: "frost" }] });
    const e = caught(() => new PluginRegistry().registerAll([...BUILTIN_PLUGINS, p] as PluginDescriptor[]));
    expect(e.code).toBe("MF_ERR_PLUGIN_INVALID");
    expect(e.problems).toEqual([{
      path: "thresholds[0].channel",
      message: '"temperature" is not a channel of this plugin (it has no dependencies) (plugin "meterflow-environment" provides it: add it to dependencies)',
    }]);
  });
});
