// A third-party plugin, in a directory outside the repository with its own package.json, named
// in a meterflow.config.json, run by the built `meterflow` command, both as dist/'s modules and
// as the bundled bin users get (dist/bin, rolldown.config.mjs; its threads start from dist/): the
// decoding worker must load it too (its channel is a wide column only the plugin defines), its
// threshold alerts, its derived fact reaches a rule, its out-of-range sensor rows are rejected,
// its hooks run in every thread.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { readCsv } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
/** The package's bin: the same command line, bundled. */
const BUNDLE = join(packageRoot(), "dist", "bin", "meterflow.mjs");
const top = tempDir("meterflow-thirdparty-");

/** A project using meterflow (in `top`/`name`), with the plugin package installed in its node_modules. */
function project(name: string): string {
  const root = join(top, name);
  const modules = join(root, "node_modules");
  mkdirSync(join(modules, "@acme", "meterflow-vibration"), { recursive: true });
  // meterflow itself, as `npm install meterflow-engine` would put it (here: this checkout).
  symlinkSync(packageRoot(), join(modules, "meterflow-engine"), "dir");
  const plugin = join(modules, "@acme", "meterflow-vibration");
  writeFileSync(join(plugin, "package.json"), JSON.stringify({
    name: "@acme/meterflow-vibration", version: "1.2.0", type: "module", exports: "./index.js", peerDependencies: { "meterflow-engine": "*" },
  }));
  writeFileSync(join(plugin, "index.js"), `
import { defineFact, definePlugin } from "meterflow-engine/sdk";
import { writeFileSync } from "node:fs";
export default definePlugin({
  name: "@acme/meterflow-vibration", version: "1.2.0", sdk: "^1.0.0",
  sensors: [{ name: "vibration", unit: "mm/s", description: "RMS vibration velocity", range: { min: 0, max: 100 } }],
  thresholds: [{ name: "shaking", channel: "vibration", above: 7.1, forMinutes: 10, severity: "warning", message: "vibration above 7.1 mm/s for 10 min" }],
  facts: [defineFact({ name: "zone", description: "ISO 10816 zone", reads: ["vibration"], writes: ["vibration_zone"],
    compute(input, output, n) { for (let i = 0; i < n; i++) { const v = input.vibration[i]; output.vibration_zone[i] = v !== v ? NaN : v <= 1.8 ? 1 : v <= 4.5 ? 2 : v <= 7.1 ? 3 : 4; } } })],
  rules: [{ name: "zone-d", rules: [{ name: "zone-d", conditions: { all: [{ fact: "vibration_zone", operator: "equal", value: 4 }] },
    event: { type: "alert", params: { severity: "critical", channel: "vibration", message: "zone D: damage" } } }] }],
  hooks: { async setup() { writeFileSync(${JSON.stringify(join(root, "setup-"))} + process.pid + "-" + Math.random().toString(36).slice(2), ""); } },
});
`);
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "utility-project", private: true, type: "module" }));
  writeFileSync(join(root, "meterflow.config.json"), JSON.stringify({ plugins: ["@acme/meterflow-vibration"] }));
  return root;
}

describe("a third-party plugin", () => {
  it.each([["dist/engine/cli/main.js", BIN], ["the bundled bin", BUNDLE]])("loads from its own package by name, in the main thread and the workers, and takes part in the run (%s)", (_, bin) => {
    const dir = project(bin === BIN ? "modules" : "bundle");
    writeFileSync(join(dir, "meters.csv"), "meter_id,type\nP-1,electricity.register\n");
    writeFileSync(join(dir, "readings.csv"), [
      "meter_id,end,value,vibration",
      "P-1,2026-11-01T08:00:00Z,10,2.0",
      "P-1,2026-11-02T08:00:00Z,20,9.5",
      "P-1,2026-11-02T08:05:00Z,,8.0",
      "P-1,2026-11-02T08:12:00Z,,7.5",
      "P-1,2026-11-02T08:20:00Z,,250",
    ].join("\n") + "\n");
    const setups = () => Number(spawnSync("sh", ["-c", `ls ${dir} | grep -c '^setup-'`], { encoding: "utf8" }).stdout.trim());
    // --threads 1: decoding and writing in threads; 2: besides, decision threads (the batch is decided in one).
    for (const [threads, threadsLoading] of [["1", 3], ["2", 4]] as const) {
      const before = setups();
      const out = `out-${threads}`;
      const r = spawnSync(process.execPath, [bin, "run", "--threads", threads, "--config", "meterflow.config.json", "--meters", "meters.csv",
        "--db", `state-${threads}.db`, "--out", out, "--quiet", "readings.csv"], { cwd: dir, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(dir, out, "summary.json"), "utf8"));
      expect(summary.plugins).toContainEqual({ name: "@acme/meterflow-vibration", version: "1.2.0" });
      expect(summary).toMatchObject({ in: 5, sensor: 2, rejected: 1, balanced: true });
      expect(readCsv(join(dir, out, "rejected.csv")).map((x) => [x.source_line, x.reason])).toEqual([["6", "out_of_range"]]);
      const alerts = readCsv(join(dir, out, "alerts.csv")).map((a) => [a.end, a.channel, a.severity, a.rule]);
      expect(alerts).toEqual(expect.arrayContaining([
        ["2026-11-02", "vibration", "critical", "@acme/meterflow-vibration/zone-d"],
        ["2026-11-02", "vibration", "warning", "@acme/meterflow-vibration/shaking"],
      ]));
      expect(alerts.length).toBe(2);
      // Setup ran in the main thread, the decoding worker and the writer thread (and the decision thread that decided the batch).
      expect(setups() - before, `--threads ${threads}`).toBe(threadsLoading);
    }
  });

  it("is refused with a coded error naming it when it needs another SDK", () => {
    const dir = join(top, "old");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "old.js"), `export default { name: "old-plugin", version: "0.1.0", sdk: "^0.1.0" };\n`);
    writeFileSync(join(dir, "meterflow.config.json"), JSON.stringify({ plugins: ["./old.js"] }));
    writeFileSync(join(dir, "r.csv"), "meter_id,end,value\n");
    const r = spawnSync(process.execPath, [BIN, "run", "--config", "meterflow.config.json", "--db", "s.db", "--out", "out", "r.csv"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("meterflow: [plugin old-plugin] register: needs SDK ^0.1.0, this is SDK 1.0.0 (MF_ERR_PLUGIN_SDK_RANGE)");
  });

  it("importing the engine's own files is refused saying a plugin imports only meterflow-engine/sdk", () => {
    const dir = project("internals");
    writeFileSync(join(dir, "local.js"), `import { loadRules } from "meterflow-engine/dist/engine/rules/index.js";\nexport default { name: "deep", version: "1.0.0", sdk: "^1.0.0" };\n`);
    writeFileSync(join(dir, "internals.json"), JSON.stringify({ plugins: ["./local.js"] }));
    const r = spawnSync(process.execPath, [BIN, "plugins", "--config", "internals.json"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp("^meterflow: cannot load plugin \"\\./local\\.js\": Package subpath '\\./dist/engine/rules/index\\.js' is not defined by \"exports\" .*"
      + ": a plugin imports only meterflow-engine/sdk \\(its tests also meterflow-engine/sdk/testing\\); the engine's own modules are not part of its interface \\(MF_ERR_PLUGIN_LOAD\\)$"));
  });
});
