// A registry imported again with a new baseline (`last_reading`, `last_end`) for a meter whose
// billing chain has begun: the baseline moves nothing (README "A baseline is used only while the
// meter has no state of its own"), and the import says so, MF_WARN_REGISTRY_BASELINE_IGNORED. The
// audit's case: a device exchanged under the same meter_id, the registry re-imported with the new
// device's start, "1 updated" printed, and the new device's next reading billed as a rollover of
// the old one. On both stores, through the built command line (`meters import`, `run --meters`)
// and importRegistry (read here and in the import thread: the built modules, as the thread runs
// from the compiled code).
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { readCsv } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const built = (path: string) => pathToFileURL(join(packageRoot(), "dist", "engine", path)).href;
const { importRegistry } = (await import(built("registry/import.js"))) as typeof import("../../../engine/registry/import.js");
const { canImportInThread } = (await import(built("registry/import-thread.js"))) as typeof import("../../../engine/registry/import-thread.js");
const { openStore } = (await import(built("store/open.js"))) as typeof import("../../../engine/store/open.js");
const { loadPlugins } = (await import(built("plugins/index.js"))) as typeof import("../../../engine/plugins/index.js");

const dir = tempDir("meterflow-baseline-warning-");
const plugins = await loadPlugins({ baseDir: dir, plugins: [] });
/** The package's bin (package.json): the bundled command line. */
const BIN = join(packageRoot(), "dist", "bin", "meterflow.mjs");
const CODE = "MF_WARN_REGISTRY_BASELINE_IGNORED";
let files = 0;

const opened: PartitionedStore[] = [];
afterAll(async () => {
  for (const store of opened.splice(0)) await store.close();
});

function meterflow(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(lines: string[], ext = "csv"): string {
  const path = join(dir, `f${files++}.${ext}`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

// Every registry column, so that importRegistry may read the file in its thread.
const HEADER = "meter_id,type,unit,scaling_factor,reset_value,digits,rollover_mode,parent_id,unit_price,basic_fee_per_day,cost_center,gl_account," +
  "last_reading,last_end,pulse_weight,pulse_input,pulse_width_ms,qmax,no_pulse_days,debounce_ms";
const row = (id: string, last = "", end = "") => `${id},electricity.register,kWh,,,,,,,,,,${last},${end},,,,,,`;

// M-1 billed 100 -> 110; M-2 never read; M-3 billed 500 (its registry baseline) -> 520; M-4
// billed 40 -> 45; M-5 has a baseline and only a reading held before it (no chain of its own yet).
const FIRST = [HEADER, row("M-1"), row("M-2"), row("M-3", "500", "2026-01-01"), row("M-4"), row("M-5", "500", "2026-01-15")];
const READINGS = ["meter_id,end,value", "M-1,2026-01-10,100", "M-1,2026-01-20,110", "M-3,2026-01-10,520", "M-4,2026-01-10,40",
  "M-4,2026-01-20,45", "M-5,2026-01-10,450"];
// M-1 and M-3 get a new device's start: ignored, warned about. M-2 and M-5 have no chain of their
// own: their new baselines are used. M-4's is its latest reading: nothing to say.
const EXCHANGED = [HEADER, row("M-1", "0", "2026-01-21"), row("M-2", "7", "2026-01-05"), row("M-3", "0", "2026-01-25"),
  row("M-4", "45", "2026-01-20"), row("M-5", "400", "2026-01-05")];

const stores: Array<[string, () => string]> = [["SQLite", () => join(dir, `s${files++}.db`)]];
if (runPostgresTests) stores.push(["PostgreSQL", testStoreUrl]);

/** A store whose meters have the chains above. */
function begun(db: string): void {
  const imported = meterflow("meters", "import", "--db", db, file(FIRST));
  expect(imported.status, imported.stderr).toBe(0);
  expect(imported.stderr).not.toContain("MF_WARN");
  const out = join(dir, `out${files++}`);
  const run = meterflow("run", "--quiet", "--db", db, "--out", out, file(READINGS));
  expect(run.status, run.stderr).toBe(0);
  const billed = readCsv(join(out, "billing.csv")).filter((r) => r.flags === "").map((r) => [r.meter_id, r.consumption]);
  expect(billed).toEqual(expect.arrayContaining([["M-1", "10"], ["M-3", "20"], ["M-4", "5"]]));
  const held = readCsv(join(out, "held.csv")).filter((r) => r.reasons !== "initial").map((r) => [r.meter_id, r.reasons]);
  expect(held).toEqual([["M-5", "before_baseline"]]);
}

describe.each(stores)("a baseline imported after a meter's chain began, on %s", (_name, location) => {
  it("meters import (the built command) warns with its code and the meters; not for meters without a chain, nor again for the same file", () => {
    const db = location();
    begun(db);
    const exchanged = file(EXCHANGED);
    const imported = meterflow("meters", "import", "--db", db, exchanged);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("0 inserted, 5 updated, 0 unchanged, 0 rejected");
    const warnings = imported.stderr.split("\n").filter((line) => line.includes(CODE));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^meterflow: warning: /);
    expect(warnings[0]).toContain("2 meters");
    expect(warnings[0]).toContain("M-1, M-3");
    expect(warnings[0]).toContain("moves nothing");
    for (const id of ["M-2", "M-4", "M-5"]) expect(warnings[0]).not.toContain(id);
    // The same file again changes no baseline.
    const again = meterflow("meters", "import", "--db", db, exchanged);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain("0 updated, 5 unchanged");
    expect(again.stderr).not.toContain("MF_WARN");
  });

  it("run --meters warns, and summary.json says it; a run whose registry is the last one's says nothing", () => {
    const db = location();
    begun(db);
    const exchanged = file(EXCHANGED.map((line) => (line.startsWith("M-1,") ? row("M-1", "5", "2026-01-22") : line)));
    const out = join(dir, `out${files++}`);
    const run = meterflow("run", "--quiet", "--db", db, "--out", out, "--meters", exchanged, file(["meter_id,end,value", "M-2,2026-01-30,10"]));
    expect(run.status, run.stderr).toBe(0);
    const warnings = run.stderr.split("\n").filter((line) => line.includes(CODE));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("M-1, M-3");
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { meters: { imported: Record<string, unknown> } };
    expect(summary.meters.imported).toMatchObject({ updated: 5, baselines_ignored: { meters: 2, first: ["M-1", "M-3"] } });
    // M-2's new baseline (7) was used.
    expect(readCsv(join(out, "billing.csv")).map((r) => [r.meter_id, r.previous, r.consumption])).toEqual([["M-2", "7", "3"]]);
    const next = join(dir, `out${files++}`);
    const rerun = meterflow("run", "--quiet", "--db", db, "--out", next, "--meters", exchanged, file(["meter_id,end,value", "M-4,2026-01-30,50"]));
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).not.toContain("MF_WARN");
    const quiet = JSON.parse(readFileSync(join(next, "summary.json"), "utf8")) as { meters: { imported: Record<string, unknown> } };
    expect(quiet.meters.imported).toMatchObject({ skipped: true });
    expect(quiet.meters.imported).not.toHaveProperty("baselines_ignored");
  });

  for (const threadFromBytes of [Infinity, 0]) {
    it(`importRegistry lists the meters in its result (${threadFromBytes === 0 ? "read in the import thread" : "read here"})`, async () => {
      expect(canImportInThread()).toBe(true);
      const db = location();
      begun(db);
      const store = await openStore(db);
      opened.push(store);
      const exchanged = file(EXCHANGED);
      const imported = await importRegistry(store, exchanged, plugins, true, { threadFromBytes });
      expect(imported).toMatchObject({ inserted: 0, updated: 5, unchanged: 0, rejected: 0 });
      expect(imported.baselinesIgnored).toEqual(["M-1", "M-3"]);
      // Unchanged: nothing to say.
      const again = await importRegistry(store, exchanged, plugins, true, { threadFromBytes });
      expect(again).toMatchObject({ updated: 0, unchanged: 5 });
      expect(again.baselinesIgnored).toBeUndefined();
      // A file that only adds a meter and prices: no baseline changes.
      const prices = await importRegistry(store, file(["meter_id,unit_price", "M-1,0.3", "N-1,0.4"]), plugins, true, { threadFromBytes });
      expect(prices).toMatchObject({ inserted: 1, updated: 1 });
      expect(prices.baselinesIgnored).toBeUndefined();
    });
  }
});
