// Held pulse readings (operations audit). A pulse count is the pulses since the meter's previous
// reading, held or not: the next reading's interval starts at a held one in the same batch, and
// did not in a later batch (there it started at the latest trusted reading: another period, daily
// use and faults), so the same readings were decided otherwise in one run than in two. And once a
// later reading was billed, a held pulse reading could never be released (refused
// back_dated_pulses), so its pulses were never billed: a release now places it after the accepted
// reading before it, and the reading after it keeps what it billed (its count is its own). A
// count dated before the meter's first reading was held and refused as well: it becomes the
// baseline, and the old first reading is billed its own debounced count, kept with its entry.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearTempBad, OperationSession, releaseHeld, setTempBad } from "../../../engine/operations/index.js";
import { readLedger } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-pulse-holds-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `s-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];
const meters = write(dir, "meters.csv", ["meter_id,type,unit,pulse_weight,pulse_input", "S1,water.pulse,m3,0.01,s0a", "S2,water.pulse,m3,0.01,s0a"]);
const readings = (...lines: string[]) => write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines]);
const day = (d: number) => `2026-11-${String(d).padStart(2, "0")}`;

async function billedTotal(db: string, meterId: string): Promise<number> {
  const store = await openStore(db);
  try {
    const entries = (await readLedger(store, [meterId])).get(meterId) ?? [];
    return Math.round(entries.reduce((s, e) => s + e.billed, 0) * 1e9) / 1e9;
  } finally {
    await store.close();
  }
}

describe.each(STORES)("held pulse readings, on $kind", ({ db: newDb }) => {
  it("decides a reading after a held pulse reading the same in one run as in two: its interval from the held one, its register from the trusted one", async () => {
    const db = newDb();
    const run = (...lines: string[]) => runAndRead({ meters, db, inputs: [readings(...lines)], out: join(dir, `o-${n++}`) });
    // Eleven days of 10 pulses each: the spike rules then know the meters' daily use.
    const days: string[] = [];
    for (const m of ["S1", "S2"]) {
      days.push(`${m},${day(1)},0`);
      for (let d = 2; d <= 12; d++) days.push(`${m},${day(d)},10`);
    }
    await run(...days);
    // S1 over two runs, S2 in one: 100 pulses on the 13th (a spike, held), 60 on the 14th: the
    // pulses since the 13th, one day (held as a spike too).
    const spike = await run(`S1,${day(13)},100`);
    const twoRuns = await run(`S1,${day(14)},60`);
    const oneRun = await run(`S2,${day(13)},100`, `S2,${day(14)},60`);
    const row = (r: Record<string, string>) => [r.end, r.start, r.days, r.previous, r.current, r.consumption, r.flags, r.reasons];
    expect([...spike.held, ...twoRuns.held].map(row)).toEqual([
      [day(13), day(13), "1", "110", "210", "1", "", "spike_high"],
      [day(14), day(14), "1", "110", "170", "0.6", "", "spike_high"],
    ]);
    expect(oneRun.held.map(row)).toEqual([...spike.held, ...twoRuns.held].map(row));
    expect([...twoRuns.billing, ...oneRun.billing]).toEqual([]);
    // The next night counts on from the trusted register, over the day since the 14th.
    const next = await run(`S1,${day(15)},10`, `S2,${day(15)},10`);
    expect(next.billing.map((r) => [r.meter_id, r.start, r.previous, r.current, r.consumption])).toEqual([
      ["S1", day(15), "110", "120", "0.1"], ["S2", day(15), "110", "120", "0.1"],
    ]);
  });

  it("releases a held pulse reading after a later one was billed: its own count, the later one unchanged", async () => {
    const db = newDb();
    const run = (...lines: string[]) => runAndRead({ meters, db, inputs: [readings(...lines)], out: join(dir, `o-${n++}`) });
    await run(`S1,${day(1)},100`);
    const store = await openStore(db);
    await setTempBad(store, { meterId: "S1", reason: "op check", actor: "ops" }).finally(() => store.close());
    const held = await run(`S1,${day(2)},10`, `S1,${day(3)},20`);
    expect(held.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`S1@${day(2)}`, "temp_bad"], [`S1@${day(3)}`, "temp_bad"]]);
    const session = await OperationSession.open({ db });
    try {
      // The later one first (against the reading of the 1st), then the earlier one: placed after the 1st.
      expect(await releaseHeld(session, { readingId: `S1@${day(3)}`, reason: "ok", actor: "ops" })).toMatchObject({ billed: 0.2, correction: 0 });
      expect(await releaseHeld(session, { readingId: `S1@${day(2)}`, reason: "ok", actor: "ops" })).toMatchObject({ billed: 0.1, correction: 0 });
    } finally {
      await session.close();
    }
    expect(await billedTotal(db, "S1")).toBe(0.3);
    // Both are in the chain now: sent again, duplicates.
    const again = await run(`S1,${day(2)},10`, `S1,${day(3)},20`);
    expect(again.summary).toMatchObject({ in: 2, duplicates: 2, billable: 0, held: 0 });
  });

  // A back-dated pulse count is held back_dated_pulses before anything judges it (its held row
  // shows no fault): its release billed a bounce nobody saw. It is judged on release now: clean,
  // billed; with a fault, held again under it, and a second release (the operator's decision on
  // what it shows) bills it.
  it("judges a back_dated_pulses reading on release: a bounce is held again, billed on the second release; a clean one billed", async () => {
    const db = newDb();
    const run = (header: string, ...lines: string[]) => runAndRead({ meters, db, inputs: [write(dir, `r-${n++}.csv`, [header, ...lines])], out: join(dir, `o-${n++}`) });
    await run("meter_id,end,value", `S1,${day(1)},10`, `S1,${day(2)},10`, `S1,${day(3)},10`, `S1,${day(6)},30`, `S2,${day(1)},10`, `S2,${day(3)},10`);
    const late = await run("meter_id,end,value,pulse_min_on_ms", `S1,${day(4)},10,2`, `S1,${day(5)},10,`, `S2,${day(2)},10,`);
    expect(late.held.map((h) => [h.reading_id, h.flags, h.reasons])).toEqual([
      [`S1@${day(4)}`, "", "back_dated_pulses"], [`S1@${day(5)}`, "", "back_dated_pulses"], [`S2@${day(2)}`, "", "back_dated_pulses"],
    ]);
    const session = await OperationSession.open({ db });
    try {
      const bounce = await releaseHeld(session, { readingId: `S1@${day(4)}`, reason: "late upload", actor: "ops" });
      expect(bounce).toMatchObject({ decision: "held", reasons: "temp_bad:bounce", billed: 0 });
      expect(await billedTotal(db, "S1")).toBe(0.5);
      // Its new record in place of the old one; the bounce flagged the meter as any reading's would.
      const store = await openStore(db);
      try {
        expect((await store.listHeld({ meterId: "S1", limit: 10 })).map((h) => [h.readingId, h.reasons]).sort()).toEqual([
          [`S1@${day(4)}`, "temp_bad:bounce"], [`S1@${day(5)}`, "back_dated_pulses"],
        ]);
      } finally {
        await store.close();
      }
      expect(await releaseHeld(session, { readingId: `S1@${day(4)}`, reason: "bounce seen, count right", actor: "ops" }))
        .toMatchObject({ decision: "billed", billed: 0.1, flags: "bounce" });
      expect(await releaseHeld(session, { readingId: `S2@${day(2)}`, reason: "late upload", actor: "ops" })).toMatchObject({ decision: "billed", billed: 0.1 });
    } finally {
      await session.close();
    }
    expect(await billedTotal(db, "S1")).toBe(0.6);
    expect(await billedTotal(db, "S2")).toBe(0.2);
  });

  // A pulse count dated before the registry baseline its meter's chain starts from was held
  // back_dated_pulses in a run (register audit), a hold its release then judged as before_baseline:
  // held before_baseline at once now, as a register meter's reading is.
  it("holds a pulse count before the registry baseline before_baseline in a run, as a register meter's", async () => {
    const db = newDb();
    const registry = write(dir, `bb-${n++}.csv`, ["meter_id,type,unit,pulse_weight,pulse_input,last_reading,last_end", `B2,water.pulse,m3,0.01,s0a,0,${day(5)}`]);
    const run = (...lines: string[]) => runAndRead({ meters: registry, db, inputs: [readings(...lines)], out: join(dir, `o-${n++}`) });
    expect((await run(`B2,${day(7)},20`)).billing.map((b) => [b.reading_id, b.consumption])).toEqual([[`B2@${day(7)}`, "0.2"]]);
    const late = await run(`B2,${day(3)},10`, `B2,${day(6)},10`);
    expect(late.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`B2@${day(3)}`, "before_baseline"], [`B2@${day(6)}`, "back_dated_pulses"]]);
    expect(late.summary).toMatchObject({ in: 2, held: 2, balanced: true });
  });

  /** Releases the held readings in this order, by day: what each billed, and its successor's correction; each billed over (startDay(d) - 1, d]. */
  async function releaseAll(db: string, meterId: string, days: number[], startDay = (d: number) => d): Promise<Array<[number, number, number]>> {
    const session = await OperationSession.open({ db });
    try {
      const out: Array<[number, number, number]> = [];
      for (const d of days) {
        const r = await releaseHeld(session, { readingId: `${meterId}@${day(d)}`, reason: "ok", actor: "ops" });
        out.push([d, r.billed, r.correction]);
        // Billed over its interval: from the reading before it, held or not (a day each here).
        if (r.billing.length > 0 && r.billed !== 0) expect(r.billing.map((b) => [b.start, b.end])).toEqual([[day(startDay(d)), day(d)]]);
      }
      return out;
    } finally {
      await session.close();
    }
  }

  // Pulse audit (a): a flagged new meter, or one whose first reading is a fault, held every
  // reading, and none could be released (refused back_dated_pulses "its interval has no start").
  // Each held reading's interval starts at the reading before it, held or not: released in any
  // order, each bills its own count, the first one without a registry baseline nothing (its baseline).
  it.each([
    { name: "a registry baseline, the first reading a bounce", baseline: true, flagFirst: false },
    { name: "no registry baseline, the first reading a bounce (held initial|bounce)", baseline: false, flagFirst: false },
    { name: "temp_bad set before the first run, a registry baseline", baseline: true, flagFirst: true },
    { name: "temp_bad set before the first run, no registry baseline", baseline: false, flagFirst: true },
  ])("releases every held reading of a meter held from its first reading, in any order ($name)", async ({ baseline, flagFirst }) => {
    const db = newDb();
    const registry = write(dir, `first-${n++}.csv`, baseline
      ? ["meter_id,type,unit,pulse_weight,pulse_input,last_reading,last_end", `F1,water.pulse,m3,0.01,s0a,0,${day(1)}`]
      : ["meter_id,type,unit,pulse_weight,pulse_input", "F1,water.pulse,m3,0.01,s0a"]);
    if (flagFirst) {
      await runAndRead({ meters: registry, db, inputs: [], out: join(dir, `o-${n++}`) });
      const store = await openStore(db);
      await setTempBad(store, { meterId: "F1", reason: "verification", actor: "ops" }).finally(() => store.close());
    }
    const lines = ["meter_id,end,value,pulse_min_on_ms", `F1,${day(2)},10,${flagFirst ? "" : 2}`, `F1,${day(3)},20,`, `F1,${day(4)},30,`, `F1,${day(5)},40,`];
    const out = await runAndRead({ meters: registry, db, inputs: [write(dir, `r-${n++}.csv`, lines)], out: join(dir, `o-${n++}`) });
    expect(out.held.map((h) => h.end)).toEqual([day(2), day(3), day(4), day(5)]);
    expect(out.billing).toEqual([]);
    const first = baseline ? 0.1 : 0;
    expect(await releaseAll(db, "F1", [5, 3, 2, 4])).toEqual([[5, 0.4, 0], [3, 0.2, 0], [2, first, 0], [4, 0.3, 0]]);
    expect(await billedTotal(db, "F1")).toBe(first + 0.9);
    // Its flag cleared, the next night counts on from them: its own count.
    const store = await openStore(db);
    await clearTempBad(store, { meterId: "F1", reason: "checked", actor: "ops" }).finally(() => store.close());
    const next = await runAndRead({ meters: registry, db, inputs: [readings(`F1,${day(6)},5`)], out: join(dir, `o-${n++}`) });
    expect(next.billing.map((r) => [r.start, r.consumption])).toEqual([[day(6), "0.05"]]);
  });

  // Pulse audit (b): the chain's first billed reading followed a held one; that held reading's day
  // was taken for the chain's baseline, and its release refused as a conflict.
  it("releases a held first reading after the next night billed: its own count, no conflict", async () => {
    const db = newDb();
    const registry = write(dir, `b-${n++}.csv`, ["meter_id,type,unit,pulse_weight,pulse_input,last_reading,last_end", `B1,water.pulse,m3,0.01,s0a,0,${day(1)}`]);
    await runAndRead({ meters: registry, db, inputs: [], out: join(dir, `o-${n++}`) });
    let store = await openStore(db);
    await setTempBad(store, { meterId: "B1", reason: "verification", actor: "ops" }).finally(() => store.close());
    const held = await runAndRead({ meters: registry, db, inputs: [readings(`B1,${day(2)},10`)], out: join(dir, `o-${n++}`) });
    expect(held.held.map((h) => h.reasons)).toEqual(["temp_bad"]);
    store = await openStore(db);
    await clearTempBad(store, { meterId: "B1", reason: "passed", actor: "ops" }).finally(() => store.close());
    const next = await runAndRead({ meters: registry, db, inputs: [readings(`B1,${day(3)},20`)], out: join(dir, `o-${n++}`) });
    expect(next.billing.map((r) => [r.start, r.consumption])).toEqual([[day(3), "0.2"]]);
    expect(await releaseAll(db, "B1", [2])).toEqual([[2, 0.1, 0]]);
    expect(await billedTotal(db, "B1")).toBe(0.3);
  });

  // Pulse audit (c): a late reading between the registry baseline and the first reading was held
  // back_dated_pulses and its release refused ("its interval has no start"): the baseline is its start.
  it.each([
    { name: "a batch each", events: false },
    { name: "its day from pulse events, decided after the readings file", events: true },
  ])("releases a late pulse reading between the registry baseline and the first reading ($name)", async ({ events }) => {
    const db = newDb();
    const registry = write(dir, `c-${n++}.csv`, ["meter_id,type,unit,pulse_weight,pulse_input,last_reading,last_end", `C1,water.pulse,m3,0.01,s0a,0,${day(1)}`]);
    const pulseEvents = events
      ? [write(dir, `e-${n++}.csv`, ["meter_id,time,on_ms", ...Array.from({ length: 7 }, (_, i) => `C1,${day(3)}T0${i + 1}:00:00Z,50`)])]
      : undefined;
    const inputs = [events ? readings(`C1,${day(4)},10`) : readings(`C1,${day(4)},10`, `C1,${day(3)},7`)];
    const out = await runAndRead({ meters: registry, db, inputs, pulseEvents, batchSize: 1, out: join(dir, `o-${n++}`) });
    expect(out.held.map((h) => [h.end, h.reasons])).toEqual([[day(3), "back_dated_pulses"]]);
    expect(out.billing.map((r) => [r.end, r.consumption])).toEqual([[day(4), "0.1"]]);
    // Over the days since the registry baseline (the 1st): the 2nd and 3rd.
    expect(await releaseAll(db, "C1", [3], () => 2)).toEqual([[3, 0.07, 0]]);
    expect(await billedTotal(db, "C1")).toBe(0.17);
  });

  // A pulse count dated before the meter's first reading (no registry baseline) was held
  // back_dated_pulses and its release refused: the first reading, its baseline, billed nothing,
  // and its count was not kept. DESIGN.md: the earlier reading becomes the baseline and the old
  // first one is billed against it: its own debounced count x pulse_weight, kept with its entry.
  const pulseReadings = (...lines: string[]) => write(dir, `r-${n++}.csv`, ["meter_id,end,value,pulse_debounced,pulse_min_on_ms", ...lines]);

  it("makes a pulse count dated before the meter's first reading its baseline, in a run: the first reading billed its own debounced count", async () => {
    const db = newDb();
    const run = (...lines: string[]) => runAndRead({ meters, db, inputs: [pulseReadings(...lines)], out: join(dir, `o-${n++}`) });
    // The first reading: 100 pulses, 80 of them after the module's debouncing.
    const first = await run(`S1,${day(5)},100,80,`, `S1,${day(6)},10,,`);
    expect(first.held.map((h) => [h.reading_id, h.flags, h.reasons])).toEqual([[`S1@${day(5)}`, "initial", "initial"]]);
    const late = await run(`S1,${day(3)},7,,`);
    expect(late.held.map((h) => [h.reading_id, h.flags, h.reasons])).toEqual([[`S1@${day(3)}`, "initial", "initial"]]);
    // The old first reading over the days since the new baseline (the 4th and 5th): 80 x 0.01.
    expect(late.billing.map((r) => [r.reading_id, r.start, r.days, r.consumption, r.flags])).toEqual([[`S1@${day(5)}`, day(4), "2", "0.8", "correction"]]);
    expect(late.summary).toMatchObject({ in: 1, held: 1, billable: 0, corrections: 1, balanced: true });
    expect(await billedTotal(db, "S1")).toBe(0.9);
    // Sent again, all three are duplicates; nothing is billed twice.
    const again = await run(`S1,${day(3)},7,,`, `S1,${day(5)},100,80,`, `S1,${day(6)},10,,`);
    expect(again.summary).toMatchObject({ in: 3, duplicates: 3, billable: 0, held: 0 });
    expect(await billedTotal(db, "S1")).toBe(0.9);
    // And an earlier one still: the baseline moves again, the reading of the 3rd billed its 7 pulses.
    const earlier = await run(`S1,${day(1)},3,,`);
    expect(earlier.billing.map((r) => [r.reading_id, r.start, r.consumption, r.flags])).toEqual([[`S1@${day(3)}`, day(2), "0.07", "correction"]]);
    expect(await billedTotal(db, "S1")).toBe(0.97);
  });

  it("releases a pulse count held before the meter's first reading: the baseline, the first reading billed its count", async () => {
    const db = newDb();
    const run = (...lines: string[]) => runAndRead({ meters, db, inputs: [pulseReadings(...lines)], out: join(dir, `o-${n++}`) });
    await run(`S1,${day(5)},100,,`, `S1,${day(6)},10,,`);
    const store = await openStore(db);
    await setTempBad(store, { meterId: "S1", reason: "op check", actor: "ops" }).finally(() => store.close());
    const late = await run(`S1,${day(3)},7,,`);
    expect(late.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`S1@${day(3)}`, "temp_bad|initial"]]);
    expect(late.billing).toEqual([]);
    const session = await OperationSession.open({ db });
    try {
      const released = await releaseHeld(session, { readingId: `S1@${day(3)}`, reason: "ok", actor: "ops" });
      expect(released).toMatchObject({ billed: 0, correction: 1 });
      expect(released.billing.map((b) => [b.reading_id, b.start, b.end])).toEqual([[`S1@${day(5)}`, day(4), day(5)]]);
    } finally {
      await session.close();
    }
    expect(await billedTotal(db, "S1")).toBe(1.1);
  });

  it("bills the first reading from a held reading before it: released in any order, each count once", async () => {
    const db = newDb();
    const run = (...lines: string[]) => runAndRead({ meters, db, inputs: [pulseReadings(...lines)], out: join(dir, `o-${n++}`) });
    await run(`S1,${day(5)},100,,`);
    // A bounce on the 2nd: held, the meter flagged; the chain still starts at the 5th.
    const bounce = await run(`S1,${day(2)},4,,2`);
    expect(bounce.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`S1@${day(2)}`, "temp_bad:bounce|initial"]]);
    expect(bounce.billing).toEqual([]);
    const store = await openStore(db);
    await clearTempBad(store, { meterId: "S1", reason: "checked", actor: "ops" }).finally(() => store.close());
    // The 3rd: its interval starts at the held 2nd (held back_dated_pulses, as any count between two readings).
    const between = await run(`S1,${day(3)},7,,`);
    expect(between.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`S1@${day(3)}`, "back_dated_pulses"]]);
    // Released: the 3rd bills its 7 pulses over (2nd, 3rd], the 5th its 100 over (3rd, 5th]; then the 2nd is the baseline.
    const session = await OperationSession.open({ db });
    try {
      const third = await releaseHeld(session, { readingId: `S1@${day(3)}`, reason: "ok", actor: "ops" });
      expect(third).toMatchObject({ billed: 0.07, correction: 1 });
      expect(third.billing.map((b) => [b.reading_id, b.start, b.end])).toEqual([[`S1@${day(3)}`, day(3), day(3)], [`S1@${day(5)}`, day(4), day(5)]]);
      expect(await releaseHeld(session, { readingId: `S1@${day(2)}`, reason: "ok", actor: "ops" })).toMatchObject({ billed: 0, correction: 0 });
    } finally {
      await session.close();
    }
    expect(await billedTotal(db, "S1")).toBe(1.07);
  });

  it("judges the old first reading on its new interval: more pulses than qmax allows over it hold the earlier reading, a release bills them", async () => {
    const db = newDb();
    const registry = write(dir, `q-${n++}.csv`, ["meter_id,type,unit,pulse_weight,pulse_input,qmax", "Q1,water.pulse,m3,0.01,s0a,0.1"]);
    const run = (...lines: string[]) => runAndRead({ meters: registry, db, inputs: [pulseReadings(...lines)], out: join(dir, `o-${n++}`) });
    // 1000 pulses: 10 m3, a first reading (no interval: qmax not judged).
    await run(`Q1,${day(5)},1000,,`);
    // From the 3rd, two days: at most 0.1 m3/h x 48 h = 4.8 m3.
    const late = await run(`Q1,${day(3)},7,,`);
    expect(late.held.map((h) => [h.reading_id, h.flags, h.reasons])).toEqual([[`Q1@${day(3)}`, "initial", "temp_bad:magnetic"]]);
    expect(late.billing).toEqual([]);
    expect(await billedTotal(db, "Q1")).toBe(0);
    const session = await OperationSession.open({ db });
    try {
      await clearTempBad(session.store, { meterId: "Q1", reason: "checked", actor: "ops" });
      const released = await releaseHeld(session, { readingId: `Q1@${day(3)}`, reason: "module replaced, count right", actor: "ops" });
      expect(released).toMatchObject({ billed: 0, correction: 10 });
      expect(released.billing.map((b) => [b.reading_id, b.flags])).toEqual([[`Q1@${day(5)}`, ["correction", "magnetic"]]]);
    } finally {
      await session.close();
    }
    expect(await billedTotal(db, "Q1")).toBe(10);
  });

  it("judges a released no_consumption reading on its idle stretch since the last reading with pulses, as when it was held (pulse audit)", async () => {
    const db = newDb();
    const idle = write(dir, `idle-meters-${n++}.csv`, ["meter_id,type,unit,pulse_weight,pulse_input,no_pulse_days", "N1,water.pulse,m3,0.01,s0a,3"]);
    const run = (...lines: string[]) => runAndRead({ meters: idle, db, inputs: [readings(...lines)], out: join(dir, `o-${n++}`) });
    // Pulses on the 1st and 2nd, none from then: the 5th is the third day without pulses.
    const out = await run(`N1,${day(1)},10`, `N1,${day(2)},10`, `N1,${day(3)},0`, `N1,${day(4)},0`, `N1,${day(5)},0`);
    expect(out.held.map((h) => [h.end, h.flags, h.reasons])).toEqual([[day(1), "initial", "initial"], [day(5), "zero|no_consumption", "temp_bad:no_consumption"]]);
    const session = await OperationSession.open({ db });
    try {
      await clearTempBad(session.store, { meterId: "N1", reason: "checked", actor: "ops" });
      const released = await releaseHeld(session, { readingId: `N1@${day(5)}`, reason: "meter replaced", actor: "ops" });
      expect(released).toMatchObject({ billed: 0, flags: "zero|no_consumption" });
    } finally {
      await session.close();
    }
  });
});
