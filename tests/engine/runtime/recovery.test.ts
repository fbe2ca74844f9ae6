// Back-dated readings (DESIGN rule 7) and runs that die midway: the outputs of finished runs
// hold every reading exactly once, whatever happened in between.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { METERS_HEADER, readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const meters = write(dir, "meters.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,,,,,,,,,", "E-2,electricity.register,kWh,1,,,,,,,,,,"]);

describe("back-dated readings", () => {
  it("take their place in history and correct the reading after them", async () => {
    const db = join(dir, "back.db");
    const first = write(dir, "r1.csv", ["meter_id,end,value", "E-1,2026-10-31,100", "E-1,2026-11-30,160", "E-1,2026-12-01,161"]);
    const one = await runAndRead({ meters, inputs: [first], db, out: join(dir, "out-1") });
    expect(one.billing.map((r) => [r.reading_id, r.consumption])).toEqual([["E-1@2026-11-30", "60"], ["E-1@2026-12-01", "1"]]);

    const late = write(dir, "r2.csv", ["meter_id,end,value", "E-1,2026-11-15,120"]);
    const two = await runAndRead({ inputs: [late], db, out: join(dir, "out-2") });
    expect(two.summary).toMatchObject({ in: 1, billable: 1, corrections: 1, balanced: true });
    expect(two.billing).toEqual([
      expect.objectContaining({ reading_id: "E-1@2026-11-15", start: "2026-11-01", end: "2026-11-15", previous: "100", current: "120", consumption: "20", flags: "" }),
      expect.objectContaining({ reading_id: "E-1@2026-11-30", start: "2026-11-16", end: "2026-11-30", days: "15", previous: "120", current: "160", consumption: "-20", flags: "correction" }),
    ]);
    // What was billed in total is unchanged: 60 = 20 + (60 - 20).

    // A second back-dated reading sees the first: 11-20 splits the corrected 11-16..11-30 period.
    const later = write(dir, "r3.csv", ["meter_id,end,value", "E-1,2026-11-20,130", "E-1,2026-11-15,120"]);
    const three = await runAndRead({ inputs: [later], db, out: join(dir, "out-3") });
    expect(three.summary).toMatchObject({ in: 2, billable: 1, duplicates: 1, corrections: 1 });
    expect(three.billing.map((r) => [r.reading_id, r.consumption, r.flags])).toEqual([
      ["E-1@2026-11-20", "10", ""], ["E-1@2026-11-30", "-10", "correction"],
    ]);
  });

  it("before the first reading becomes the new baseline and bills the old one", async () => {
    const db = join(dir, "first.db");
    await runAndRead({ meters, inputs: [write(dir, "f1.csv", ["meter_id,end,value", "E-2,2026-11-30,500"])], db, out: join(dir, "out-f1") });
    const out = await runAndRead({ meters, inputs: [write(dir, "f2.csv", ["meter_id,end,value", "E-2,2026-11-01,440"])], db, out: join(dir, "out-f2") });
    expect(out.held.map((r) => [r.reading_id, r.reasons])).toEqual([["E-2@2026-11-01", "initial"]]);
    expect(out.billing.map((r) => [r.reading_id, r.consumption, r.flags])).toEqual([["E-2@2026-11-30", "60", "correction"]]);
  });
});

describe("a run killed midway", () => {
  const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
  const lines = ["meter_id,end,value"];
  for (let day = 1; day <= 30; day++) {
    for (const m of ["E-1", "E-2"]) lines.push(`${m},2026-10-${String(day).padStart(2, "0")},${100 + day * (m === "E-1" ? 3 : 5)}`);
  }
  const readings = write(dir, "kill.csv", lines);
  const cli = (db: string, out: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, "run", "--quiet", "--batch-size", "8", "--meters", meters, "--db", db, "--out", out, readings], {
      encoding: "utf8", env: { ...process.env, ...env },
    });

  it("can simply be run again: the finished run's outputs equal an uninterrupted run's", () => {
    const clean = cli(join(dir, "clean.db"), join(dir, "out-clean"));
    expect(clean.status).toBe(0);
    const killed = cli(join(dir, "killed.db"), join(dir, "out-killed"), { MF_FAILPOINT_KILL_AFTER_BATCHES: "3" });
    expect(killed.signal).toBe("SIGKILL");
    expect(existsSync(join(dir, "out-killed", "summary.json"))).toBe(false);
    const rerun = cli(join(dir, "killed.db"), join(dir, "out-rerun"));
    expect(rerun.status).toBe(0);
    const key = (r: Record<string, string>) => `${r.reading_id}:${r.consumption}:${r.flags}`;
    const expected = readCsv(join(dir, "out-clean", "billing.csv")).map(key).sort();
    expect(expected).toHaveLength(58);
    expect(readCsv(join(dir, "out-rerun", "billing.csv")).map(key).sort()).toEqual(expected);
    expect(readCsv(join(dir, "out-rerun", "held.csv")).map(key).sort()).toEqual(readCsv(join(dir, "out-clean", "held.csv")).map(key).sort());
  });
});
