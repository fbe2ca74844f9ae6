// Crash consistency on both stores (DESIGN.md "Everything a batch changes commits in its one
// transaction"): `meterflow run` killed with SIGKILL after a few batches, then run again, gives
// the billing, held, alert and rejected records, the summary's counts and sensor figures and the
// threshold episodes of an uninterrupted run, deciding in a pool's threads or in the main thread. The data is the demo's: registers, pulse summaries and events, sensor rows with the
// cold-chain profile (alerts, open episodes across batches), bad rows. The files are compared
// line for line in order: the batches the rerun adopts are written from the store, the others
// from their decision, and both write a batch's rows in the same order.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import { episodeKey } from "../../../engine/runtime/episodes.js";
import { openStore } from "../../../engine/store/open.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const data = await generateDemoData({ dir: join(dir, "data"), meters: 120, days: 20 });

function run(db: string, out: string, env: Record<string, string> = {}, threads = "2") {
  return spawnSync(process.execPath, [BIN, "run", "--quiet", "--threads", threads, "--batch-size", "400", "--meters", data.files.meters,
    "--config", data.files.config, "--pulse-events", data.files.pulseEvents, "--db", db, "--out", out,
    data.files.readings, data.files.pulseReadings, data.files.coldChain], { encoding: "utf8", env: { ...process.env, ...env } });
}

const lines = (path: string) => readFileSync(path, "utf8").trim().split("\n").slice(1);

/** The stored threshold episodes of every meter of the demo (sorted by key). */
async function episodes(db: string): Promise<Array<[string, string]>> {
  const ids = readFileSync(data.files.meters, "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0]);
  const store = await openStore(db);
  try {
    return [...(await store.readEpisodes(ids.map(episodeKey)))].sort(([a], [b]) => a.localeCompare(b));
  } finally {
    await store.close();
  }
}

const stores: Array<[string, (name: string) => string, boolean]> = [
  ["SQLite", (name) => join(dir, `${name}.db`), true],
  ["PostgreSQL", () => testStoreUrl(), runPostgresTests],
];

describe.each(stores)("a run killed midway on %s", (_name, dbOf, enabled) => {
  it.runIf(enabled)("run again gives the outputs and episodes of an uninterrupted run", async () => {
    const cleanDb = dbOf("clean");
    const clean = run(cleanDb, join(dir, `${_name}-clean`));
    expect(clean.status, clean.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, `${_name}-clean`, "summary.json"), "utf8"));
    expect(summary.alerts).toBeGreaterThan(0);
    expect(summary.batches).toBeGreaterThan(6);
    expect(Object.keys(summary.pulse_faults).length).toBeGreaterThan(2);
    expect(summary.sensors.values).toBeGreaterThan(0);
    expect(summary.sensors.alerts).toBeGreaterThan(0);
    const cleanEpisodes = await episodes(cleanDb);
    // Meters with sensor values have their episodes stored, a row each; some are open excursions.
    expect(cleanEpisodes.length).toBeGreaterThan(3);
    expect(cleanEpisodes.some(([, data]) => data.includes('"sinceMs"'))).toBe(true);
    // Early, and after all but the last batch (the pulse and sensor batches come last: adopted then).
    for (const killAfter of [2, 5, summary.batches - 1]) {
      const db = dbOf(`killed${killAfter}`);
      const killed = run(db, join(dir, `${_name}-killed-${killAfter}`), { MF_FAILPOINT_KILL_AFTER_BATCHES: String(killAfter) });
      expect(killed.signal).toBe("SIGKILL");
      expect(existsSync(join(dir, `${_name}-killed-${killAfter}`, "summary.json"))).toBe(false);
      const out = join(dir, `${_name}-rerun-${killAfter}`);
      const rerun = run(db, out);
      expect(rerun.status, rerun.stderr).toBe(0);
      for (const file of ["billing.csv", "held.csv", "alerts.csv", "rejected.csv"]) {
        expect(lines(join(out, file)), `${file} after a kill at batch ${killAfter}`).toEqual(lines(join(dir, `${_name}-clean`, file)));
      }
      const again = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      for (const key of ["in", "billable", "held", "rejected", "duplicates", "sensor", "corrections", "alerts"]) expect(again[key], key).toBe(summary[key]);
      // The faults of the readings of the batches it adopted too, and their sensor figures.
      expect(again.pulse_faults, `pulse_faults after a kill at batch ${killAfter}`).toEqual(summary.pulse_faults);
      expect(again.sensors, `sensors after a kill at batch ${killAfter}`).toEqual(summary.sensors);
      expect(await episodes(db)).toEqual(cleanEpisodes);
    }
  }, 120_000);

  // One thread deciding (no pool): the sensor figures a batch commits are its decision's delta.
  it.runIf(enabled)("run again deciding in the main thread gives the summary's sensor figures of an uninterrupted run", () => {
    const clean = run(dbOf("inline-clean"), join(dir, `${_name}-inline-clean`), {}, "1");
    expect(clean.status, clean.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, `${_name}-inline-clean`, "summary.json"), "utf8"));
    expect(summary.sensors.values).toBeGreaterThan(0);
    const killAfter = summary.batches - 1;
    const db = dbOf("inline-killed");
    const killed = run(db, join(dir, `${_name}-inline-killed`), { MF_FAILPOINT_KILL_AFTER_BATCHES: String(killAfter) }, "1");
    expect(killed.signal).toBe("SIGKILL");
    const out = join(dir, `${_name}-inline-rerun`);
    const rerun = run(db, out, {}, "1");
    expect(rerun.status, rerun.stderr).toBe(0);
    const again = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    for (const key of ["in", "billable", "held", "sensor", "alerts"]) expect(again[key], key).toBe(summary[key]);
    expect(again.sensors).toEqual(summary.sensors);
    expect(lines(join(out, "alerts.csv"))).toEqual(lines(join(dir, `${_name}-inline-clean`, "alerts.csv")));
  }, 60_000);
});
