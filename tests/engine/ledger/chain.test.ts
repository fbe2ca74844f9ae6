// The billing chain (DESIGN.md "Decisions"): one regression test per bug of issue 12, each as
// a user meets it: runs of `meterflow run` on one state, the billed total read from billing.csv.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import type { Outputs } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
let n = 0;

/** Runs each file in turn on one fresh state; returns every run's outputs. */
async function runs(meterRows: string[], files: string[][]): Promise<Outputs[]> {
  const name = `case-${n++}`;
  const meters = write(dir, `${name}-meters.csv`, [METERS_HEADER, ...meterRows]);
  const db = join(dir, `${name}.db`);
  const outs: Outputs[] = [];
  for (const [i, lines] of files.entries()) {
    const input = write(dir, `${name}-${i}.csv`, lines);
    outs.push(await runAndRead({ meters, inputs: [input], db, out: join(dir, `${name}-out-${i}`), batchSize: 2 }));
  }
  return outs;
}

/** Billed per reading id over all runs (billing records plus corrections). */
function billed(outs: Outputs[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const o of outs) for (const r of o.billing) sum[r.reading_id] = (sum[r.reading_id] ?? 0) + Number(r.consumption);
  return sum;
}

const total = (b: Record<string, number>) => Object.values(b).reduce((a, x) => a + x, 0);
const E1 = (baseline = ",") => `E-1,electricity.register,kWh,1,,,,,,,,,${baseline}`;

describe("the billing chain", () => {
  it("bills a back-dated reading between a registry baseline and the first reading", async () => {
    const outs = await runs([E1("100,2026-09-30")], [
      ["meter_id,end,value", "E-1,2026-10-30,145"],
      ["meter_id,end,value", "E-1,2026-10-15,120"],
    ]);
    expect(billed(outs)).toEqual({ "E-1@2026-10-30": 25, "E-1@2026-10-15": 20 });
    expect(total(billed(outs))).toBe(45);
    expect(outs[1].held).toEqual([]);
  });

  it("never bills against a held reading", async () => {
    const outs = await runs([E1("1000,2026-10-31")], [
      ["meter_id,end,value", "E-1,2026-11-10,1010", "E-1,2026-11-20,50", "E-1,2026-11-30,1030"],
    ]);
    expect(outs[0].held.map((r) => [r.reading_id, r.reasons])).toEqual([["E-1@2026-11-20", "implausible_rollover"]]);
    expect(billed(outs)).toEqual({ "E-1@2026-11-10": 10, "E-1@2026-11-30": 20 });
    // The same across runs: the held typo is not the base of the next night's reading.
    const split = await runs([E1("1000,2026-10-31")], [
      ["meter_id,end,value", "E-1,2026-11-10,1010", "E-1,2026-11-20,50"],
      ["meter_id,end,value", "E-1,2026-11-30,1030"],
    ]);
    expect(billed(split)).toEqual({ "E-1@2026-11-10": 10, "E-1@2026-11-30": 20 });
  });

  it("never bills against a held negative override", async () => {
    const outs = await runs([E1("1000,2026-10-31")], [
      ["meter_id,end,value,override", "E-1,2026-11-10,1010,", "E-1,2026-11-20,1020,-5", "E-1,2026-11-30,1030,"],
    ]);
    expect(outs[0].held.map((r) => r.reading_id)).toEqual(["E-1@2026-11-20"]);
    expect(billed(outs)).toEqual({ "E-1@2026-11-10": 10, "E-1@2026-11-30": 20 });
  });

  it("holds a back-dated reading above its billed successor and changes nothing", async () => {
    const outs = await runs([E1("1000,2026-10-31")], [
      ["meter_id,end,value", "E-1,2026-11-15,1100", "E-1,2026-11-30,1300"],
      ["meter_id,end,value", "E-1,2026-11-20,1400"],
    ]);
    expect(outs[1].billing).toEqual([]);
    expect(outs[1].held.map((r) => [r.reading_id, r.reasons])).toEqual([["E-1@2026-11-20", "implausible_rollover"]]);
    expect(outs[1].summary).toMatchObject({ in: 1, held: 1, billable: 0, balanced: true });
    expect(total(billed(outs))).toBe(300);
  });

  it("takes an exact re-send as a duplicate whatever arrives beside it", async () => {
    const outs = await runs([E1("500,2026-10-31")], [
      ["meter_id,end,value", "E-1,2026-11-30,510"],
      ["meter_id,end,value", "E-1,2026-11-30,520", "E-1,2026-11-30,510"],
      ["meter_id,end,value", "E-1,2026-11-30,510", "E-1,2026-11-30,520"],
    ]);
    expect(outs[0].summary).toMatchObject({ billable: 1 });
    expect(outs[1].summary).toMatchObject({ in: 2, duplicates: 1, held: 1, billable: 0 });
    expect(outs[1].held.map((r) => [r.current, r.reasons])).toEqual([["520", "conflict"]]);
    // Then both are known: the billed 510 and the held 520.
    expect(outs[2].summary).toMatchObject({ in: 2, duplicates: 2, held: 0, billable: 0 });
  });

  it("does not hold a held reading again when it is sent again in other batches", async () => {
    const lines = ["meter_id,end,value", "E-1,2026-11-10,1010", "E-1,2026-11-20,50", "E-1,2026-11-25,40"];
    const meters = write(dir, "pile-meters.csv", [METERS_HEADER, E1("1000,2026-10-31")]);
    const input = write(dir, "pile.csv", lines);
    const db = join(dir, "pile.db");
    for (const batchSize of [3, 2, 1]) {
      const o = await runAndRead({ meters, inputs: [input], db, out: join(dir, `pile-${batchSize}`), batchSize });
      if (batchSize === 3) expect(o.held.map((r) => r.reading_id)).toEqual(["E-1@2026-11-20", "E-1@2026-11-25"]);
      else expect(o.summary).toMatchObject({ in: 3, duplicates: 3, held: 0 });
    }
    const sql = new Database(db, { readonly: true });
    expect(sql.prepare("SELECT count(*) FROM held").pluck().get()).toBe(2);
    sql.close();
  });

  it("does not hold an unknown meter's reading again when it is sent again", async () => {
    const meters = write(dir, "unknown-meters.csv", [METERS_HEADER, E1("1000,2026-10-31")]);
    const input = write(dir, "unknown.csv", ["meter_id,end,value", "X-9,2026-11-10,5", "X-9,2026-11-10,5", "X-9,2026-11-20,7", "E-1,2026-11-10,1010"]);
    const db = join(dir, "unknown.db");
    const first = await runAndRead({ meters, inputs: [input], db, out: join(dir, "unknown-3"), batchSize: 3 });
    expect(first.summary).toMatchObject({ in: 4, held: 2, duplicates: 1, billable: 1, balanced: true });
    expect(first.held.map((r) => [r.reading_id, r.reasons])).toEqual([["X-9@2026-11-10", "unknown_meter"], ["X-9@2026-11-20", "unknown_meter"]]);
    for (const batchSize of [2, 1]) {
      const again = await runAndRead({ meters, inputs: [input], db, out: join(dir, `unknown-${batchSize}`), batchSize });
      expect(again.summary).toMatchObject({ in: 4, held: 0, duplicates: 4, billable: 0 });
    }
    const sql = new Database(db, { readonly: true });
    expect(sql.prepare("SELECT count(*) FROM held").pluck().get()).toBe(2);
    sql.close();
  });

  it("judges a back-dated reading with its own facts (source, verification)", async () => {
    const outs = await runs([E1("1000,2026-10-31")], [
      ["meter_id,end,value", "E-1,2026-11-30,1100"],
      // Zero consumption while the meter is under verification: held, even back-dated.
      ["meter_id,end,value,source,verification", "E-1,2026-11-10,1000,manual,true"],
    ]);
    expect(outs[1].held.map((r) => [r.reading_id, r.reasons])).toEqual([["E-1@2026-11-10", "temp_bad:zero_under_verification"]]);
    expect(outs[1].billing).toEqual([]);
  });

  it("makes a reading before a meter's first one its baseline, and bills the old first against it", async () => {
    const outs = await runs([E1()], [
      ["meter_id,end,value", "E-1,2026-11-10,110", "E-1,2026-11-20,130"],
      ["meter_id,end,value", "E-1,2026-11-01,100"],
    ]);
    expect(billed(outs)).toEqual({ "E-1@2026-11-20": 20, "E-1@2026-11-10": 10 });
    expect(outs[1].held.map((r) => [r.reading_id, r.reasons])).toEqual([["E-1@2026-11-01", "initial"]]);
  });

  it("holds a reading before a registry baseline", async () => {
    const outs = await runs([E1("1000,2026-10-31")], [["meter_id,end,value", "E-1,2026-10-20,990"]]);
    expect(outs[0].held.map((r) => r.reasons)).toEqual(["before_baseline"]);
  });
});
