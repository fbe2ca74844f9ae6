// The plugin configuration file: names, paths and opt-in built-ins; object entries limiting a
// plugin's thresholds to some meters; clear errors for anything else.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlugins, meterMatcher, readPluginConfig, scopedThresholds } from "../../../engine/plugins/index.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const config = (name: string, json: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof json === "string" ? json : JSON.stringify(json));
  return path;
};

describe("plugin configuration", () => {
  it("is empty without a file, and reads names, paths and scoped entries", () => {
    expect(readPluginConfig(undefined, dir)).toEqual({ file: null, baseDir: dir, plugins: [] });
    const path = config("a.json", { plugins: ["./x.js", { plugin: "meterflow-cold-chain", meters: ["REEFER-*", "TRUCK-7"] }] });
    expect(readPluginConfig(path)).toEqual({ file: path, baseDir: dir, plugins: ["./x.js", "meterflow-cold-chain"], meters: [undefined, ["REEFER-*", "TRUCK-7"]] });
  });

  it("refuses what it cannot use, with MF_ERR_PLUGIN_CONFIG", () => {
    for (const bad of ["{", { plugins: "x" }, { plugins: [""] }, { plugins: [{ meters: ["A"] }] }, { plugins: [{ plugin: "p", meters: "A*" }] }]) {
      expect(() => readPluginConfig(config("bad.json", bad)), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: "MF_ERR_PLUGIN_CONFIG" }));
    }
    expect(() => readPluginConfig(join(dir, "missing.json"))).toThrow(expect.objectContaining({ code: "MF_ERR_PLUGIN_CONFIG" }));
  });

  it("refuses a misspelt key, naming the nearest known one (read as written it would load no plugin, or watch every meter)", () => {
    const message = (json: unknown) => {
      try {
        readPluginConfig(config("typo.json", json));
      } catch (error) {
        expect((error as { code?: string }).code).toBe("MF_ERR_PLUGIN_CONFIG");
        return (error as Error).message;
      }
      throw new Error(`${JSON.stringify(json)} was accepted`);
    };
    expect(message({ plugin: ["./x.js"] })).toMatch(/the configuration has an unknown key "plugin" \(did you mean "plugins"\?\); the keys are "plugins", "\$schema"$/);
    expect(message({ plugins: [{ plugin: "meterflow-cold-chain", meter: ["TRUCK-*"] }] }))
      .toMatch(/the entry \{"plugin":"meterflow-cold-chain","meter":\["TRUCK-\*"\]\} has an unknown key "meter" \(did you mean "meters"\?\); the keys are "plugin", "meters"$/);
    expect(message({ plugins: [{ plugin: "meterflow-cold-chain", meters: [] }] })).toMatch(/"meters": \[\], which watches no meter/);
    expect(message(["./x.js"])).toMatch(/must be an object such as \{ "plugins": \[\.\.\.\] \}/);
    expect(message({ plugins: [["./x.js"]] })).toMatch(/"plugins" must be an array of package names or paths/);
    expect(message('{"plugins": ["./x.js"], "plugins": []}')).toMatch(/"plugins" is given twice; list every plugin in one "plugins" array$/);
    // Not JSON: one line (V8 quotes the text around the mistake, line breaks and all).
    expect(message('{\n  "plugins": [\n    "./x.js",\n  ]\n}')).toMatch(/^[^\n]* is not valid JSON: [^\n]+$/);
  });

  it("reads past a byte order mark and an editor's \"$schema\"", () => {
    const path = config("bom.json", `\uFEFF${JSON.stringify({ $schema: "https://example.com/meterflow.json", plugins: ["./x.js"] })}`);
    expect(readPluginConfig(path).plugins).toEqual(["./x.js"]);
  });

  it("matches meter ids with * patterns, nothing else special", () => {
    const m = meterMatcher(["REEFER-*", "A.B", "x*y*z"]);
    expect(["REEFER-1", "REEFER-", "A.B", "xyz", "x1y2z"].every(m)).toBe(true);
    expect(["reefer-1", "AxB", "XREEFER-1", "x1y2", "A.BC"].some(m)).toBe(false);
  });

  it("limits a scoped plugin's thresholds to its meters, and leaves the others watching every meter", async () => {
    const registry = await loadPlugins({ baseDir: dir, plugins: ["meterflow-cold-chain"], meters: [["REEFER-*"]] });
    const thresholds = scopedThresholds(registry);
    const coldChain = thresholds.filter((t) => t.rule.startsWith("meterflow-cold-chain/"));
    expect(coldChain.length).toBeGreaterThan(0);
    for (const t of coldChain) expect([t.meters?.("REEFER-2"), t.meters?.("P-0001")]).toEqual([true, false]);
    for (const t of thresholds.filter((t) => !t.rule.startsWith("meterflow-cold-chain/"))) expect(t.meters).toBeUndefined();
  });
});
