// Plugin hooks as the engine runs them (engine/plugins/hooks.ts): a `setup` that never settles
// fails after a bounded wait with a coded error naming the plugin and the hook (it made `meterflow
// run` exit 13 with no output at all); a `teardown` that fails after a completed run is a coded
// warning, the run exits 0 with its outputs in place (it exited 1, and operators reran it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hookTimeoutMs } from "../../../engine/plugins/hooks.js";
import { loadPlugins } from "../../../engine/plugins/index.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir("meterflow-hooks-");
let n = 0;

/** A project whose plugin has these hooks (source text), with a night's data. */
function project(hooks: string): string {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "plugin.mjs"), `export default { name: "@test/hooked", version: "1.0.0", sdk: "^1.0.0", hooks: ${hooks} };\n`);
  writeFileSync(join(dir, "meterflow.config.json"), JSON.stringify({ plugins: ["./plugin.mjs"] }));
  writeFileSync(join(dir, "meters.csv"), "meter_id,type\nE-1,electricity.register\n");
  writeFileSync(join(dir, "readings.csv"), "meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-02,110\n");
  return dir;
}

function run(dir: string, threads: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, "run", "--threads", threads, "--config", "meterflow.config.json", "--meters", "meters.csv",
    "--db", `state-${threads}.db`, "--out", `out-${threads}`, "--quiet", "readings.csv"],
  { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status, lines: r.stderr.trim().split("\n").filter((l) => l !== "") };
}

const saved = process.env.MF_PLUGIN_HOOK_TIMEOUT_SECONDS;
afterEach(() => {
  if (saved === undefined) delete process.env.MF_PLUGIN_HOOK_TIMEOUT_SECONDS;
  else process.env.MF_PLUGIN_HOOK_TIMEOUT_SECONDS = saved;
});

describe("plugin hooks", () => {
  it("wait 60 s by default, MF_PLUGIN_HOOK_TIMEOUT_SECONDS sets another limit, a bad value is refused", () => {
    expect(hookTimeoutMs({})).toBe(60_000);
    expect(hookTimeoutMs({ MF_PLUGIN_HOOK_TIMEOUT_SECONDS: "2.5" })).toBe(2500);
    for (const bad of ["0", "-1", "soon"]) expect(() => hookTimeoutMs({ MF_PLUGIN_HOOK_TIMEOUT_SECONDS: bad })).toThrow(/MF_PLUGIN_HOOK_TIMEOUT_SECONDS/);
  });

  it("a bad limit is refused when the plugins load, whether or not one has hooks (it was read only for a plugin with hooks)", async () => {
    process.env.MF_PLUGIN_HOOK_TIMEOUT_SECONDS = "abc";
    await expect(loadPlugins({ baseDir: process.cwd(), plugins: [] })).rejects.toThrow(/MF_PLUGIN_HOOK_TIMEOUT_SECONDS/);
  });

  it("a setup that never settles rejects after the limit, naming the plugin and the hook", async () => {
    const dir = project("{ setup() { return new Promise(() => {}); } }");
    process.env.MF_PLUGIN_HOOK_TIMEOUT_SECONDS = "0.2";
    const registry = await loadPlugins({ baseDir: dir, plugins: ["./plugin.mjs"] });
    await expect(registry.setup()).rejects.toMatchObject({
      code: "MF_ERR_PLUGIN_HOOK", plugin: "@test/hooked", hook: "setup",
      message: "[plugin @test/hooked] setup: setup failed: did not settle within 0.2 s (MF_PLUGIN_HOOK_TIMEOUT_SECONDS sets the limit)",
    });
  });

  it("a teardown that throws is a warning: teardown resolves", async () => {
    const dir = project("{ async setup() {}, teardown() { throw new Error(\"flush failed\"); } }");
    const registry = await loadPlugins({ baseDir: dir, plugins: ["./plugin.mjs"] });
    await registry.setup();
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
    try {
      await registry.teardown();
    } finally {
      process.stderr.write = write;
    }
    expect(written).toEqual(["meterflow: warning: [plugin @test/hooked] teardown: teardown failed: flush failed (MF_ERR_PLUGIN_HOOK)\n"]);
  });

  it("meterflow run: a setup that never settles exits 1 with one coded line (it exited 13 saying nothing), with or without threads", () => {
    const dir = project("{ setup() { return new Promise(() => {}); } }");
    for (const threads of ["0", "1"]) {
      const r = run(dir, threads, { MF_PLUGIN_HOOK_TIMEOUT_SECONDS: "1" });
      expect(r.status, threads).toBe(1);
      expect(r.lines, threads).toEqual([
        "meterflow: [plugin @test/hooked] setup: setup failed: did not settle within 1 s (MF_PLUGIN_HOOK_TIMEOUT_SECONDS sets the limit) (MF_ERR_PLUGIN_HOOK)",
      ]);
      expect(existsSync(join(dir, `out-${threads}`)), threads).toBe(false);
    }
  });

  it("meterflow run: a teardown that throws after a completed run is a coded warning; exit 0, outputs in place", () => {
    const dir = project("{ async teardown() { throw new Error(\"flush failed\"); } }");
    for (const threads of ["0", "1"]) {
      const r = run(dir, threads);
      expect(r.status, `${threads}: ${r.lines.join("\n")}`).toBe(0);
      expect(r.lines.length, threads).toBeGreaterThan(0);
      // Once per thread that ran the plugin's hooks (the main thread; with threads, the decoding and writer threads too).
      for (const line of r.lines) expect(line).toBe("meterflow: warning: [plugin @test/hooked] teardown: teardown failed: flush failed (MF_ERR_PLUGIN_HOOK)");
      expect(readFileSync(join(dir, `out-${threads}`, "billing.csv"), "utf8")).toBe(
        "reading_id,meter_id,start,end,days,previous,current,consumption,daily,flags\nE-1@2026-11-02,E-1,2026-11-02,2026-11-02,1,100,110,10,10,\n");
      expect(JSON.parse(readFileSync(join(dir, `out-${threads}`, "summary.json"), "utf8"))).toMatchObject({ in: 2, billable: 1, held: 1 });
    }
  });
});
