// A magnet held to a pulse meter after a gap of days (pulse audit). An events day reading's count
// is its day's pulses, but qmax was judged over its interval since the meter's previous reading:
// a day above qmax after a reading 4 days old was judged over 4 days, fell below it and was billed
// with the magnet's count. It is judged over its own day now, in a run, as a late (back-dated) day
// released, and as a held day released; a plain count keeps the interval since its predecessor.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OperationSession, releaseHeld } from "../../../engine/operations/index.js";
import { openStore } from "../../../engine/store/open.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-pulse-qmax-day-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `s-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];
// qmax 2.5 m3/h at 0.01 m3 a pulse: 6,000 pulses a day at most.
const meters = write(dir, "meters.csv", ["meter_id,type,unit,pulse_weight,pulse_input,qmax", "L1,water.pulse,m3,0.01,s0a,2.5", "L2,water.pulse,m3,0.01,s0a,2.5"]);
const readings = (...lines: string[]) => write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines]);
const day = (d: number) => `2026-11-${String(d).padStart(2, "0")}`;

/** An events file of `count` clean pulses of `meter` on day `d` (2 s apart from 06:00 UTC: 7,000 take 3.9 hours). */
function magnetDay(meter: string, d: number, count: number): string {
  const start = Date.parse(`${day(d)}T06:00:00Z`);
  const rows = Array.from({ length: count }, (_, i) => `${meter},${new Date(start + i * 2000).toISOString()},45`);
  return write(dir, `e-${n++}.csv`, ["meter_id,time,on_ms", ...rows]);
}

async function heldReasons(db: string, meterId: string): Promise<string[][]> {
  const store = await openStore(db);
  try {
    return (await store.listHeld({ meterId, limit: 10 })).map((h) => [h.readingId, h.reasons]);
  } finally {
    await store.close();
  }
}

describe.each(STORES)("qmax over an events day after a gap of days, on $kind", ({ db: newDb }) => {
  it("holds the day magnetic in a run and keeps it magnetic when released; a plain count over the gap is judged over the gap", async () => {
    const db = newDb();
    const run = (inputs: string[], pulseEvents?: string[]) => runAndRead({ meters, db, inputs, pulseEvents, out: join(dir, `o-${n++}`) });
    await run([readings(`L1,${day(1)},0`, `L2,${day(1)},0`)]);
    // 7,000 pulses on the 5th, 4 days after the previous reading: 70 m3 in a day, above the 60 qmax allows.
    const out = await run([readings(`L2,${day(5)},7000`)], [magnetDay("L1", 5, 7000)]);
    expect(out.held.map((r) => [r.reading_id, r.start, r.consumption, r.flags, r.reasons])).toEqual([
      [`L1@${day(5)}`, day(2), "70", "magnetic", "temp_bad:magnetic"],
    ]);
    // The same count sent as a count since the reading of the 1st: 4 days allow 24,000 pulses.
    expect(out.billing.map((r) => [r.reading_id, r.consumption, r.flags])).toEqual([[`L2@${day(5)}`, "70", ""]]);
    expect(out.summary.pulse_faults).toEqual({ magnetic: 1 });
    const session = await OperationSession.open({ db });
    try {
      // Judged again on release with the facts it was held with: its own day, still magnetic.
      expect(await releaseHeld(session, { readingId: `L1@${day(5)}`, reason: "magnet removed, count checked", actor: "ops" }))
        .toMatchObject({ decision: "billed", billed: 70, flags: "magnetic" });
    } finally {
      await session.close();
    }
  });

  it("judges a back-dated events day on release over its own day: held magnetic, billed on the second release", async () => {
    const db = newDb();
    const run = (inputs: string[], pulseEvents?: string[]) => runAndRead({ meters, db, inputs, pulseEvents, out: join(dir, `o-${n++}`) });
    await run([readings(`L1,${day(1)},0`, `L1,${day(10)},100`)]);
    // The logger's upload of the 5th comes late: held back_dated_pulses, judged on its release.
    const late = await run([], [magnetDay("L1", 5, 7000)]);
    expect(late.held.map((r) => [r.reading_id, r.reasons])).toEqual([[`L1@${day(5)}`, "back_dated_pulses"]]);
    const session = await OperationSession.open({ db });
    try {
      // Placed after the reading of the 1st (4 days), its 7,000 pulses judged over the 5th alone.
      expect(await releaseHeld(session, { readingId: `L1@${day(5)}`, reason: "late upload", actor: "ops" }))
        .toMatchObject({ decision: "held", reasons: "temp_bad:magnetic", billed: 0 });
      expect(await heldReasons(db, "L1")).toEqual([[`L1@${day(5)}`, "temp_bad:magnetic"]]);
      expect(await releaseHeld(session, { readingId: `L1@${day(5)}`, reason: "magnet removed, count checked", actor: "ops" }))
        .toMatchObject({ decision: "billed", billed: 70, flags: "magnetic" });
    } finally {
      await session.close();
    }
  });

  it("holds a magnet's events day dated before the meter's first reading magnetic, late in a run: the chain unchanged", async () => {
    const db = newDb();
    const run = (inputs: string[], pulseEvents?: string[]) => runAndRead({ meters, db, inputs, pulseEvents, out: join(dir, `o-${n++}`) });
    await run([readings(`L1,${day(10)},100`, `L1,${day(11)},100`)]);
    // Before every reading of the meter, with no registry baseline: it would be the new baseline.
    const late = await run([], [magnetDay("L1", 5, 7000)]);
    expect(late.held.map((r) => [r.reading_id, r.flags, r.reasons])).toEqual([[`L1@${day(5)}`, "initial|magnetic", "temp_bad:magnetic|initial"]]);
    expect(late.billing).toEqual([]);
    expect(late.summary).toMatchObject({ in: 1, held: 1, billable: 0, corrections: 0, balanced: true });
  });

  it("judges a meter's first reading from an events day over its day: a magnet's day is held magnetic, a clean day is its baseline", async () => {
    const db = newDb();
    const out = await runAndRead({ meters, db, inputs: [], pulseEvents: [magnetDay("L1", 5, 7000), magnetDay("L2", 5, 6000)], out: join(dir, `o-${n++}`) });
    expect(out.held.map((r) => [r.reading_id, r.flags, r.reasons]).sort()).toEqual([
      [`L1@${day(5)}`, "initial|magnetic", "temp_bad:magnetic|initial"],
      [`L2@${day(5)}`, "initial", "initial"],
    ]);
  });
});
