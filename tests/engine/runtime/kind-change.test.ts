// A meter moved between a register type and a pulse type by a registry import: its chain so far
// holds values of the other kind (register readings against cumulative pulse counts), so its next
// reading starts a new chain (held `initial`), and a reading dated at or before the old chain's
// last one is held `before_baseline`. The chain used to go on: a pulse count of 5 after a register
// at 1,000 was billed against 1,000 (a negative consumption held, or a register value of 1,200
// after 30 counted pulses billed 1,170).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearTempBad, setTempBad } from "../../../engine/operations/index.js";
import { openStore } from "../../../engine/store/open.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-kind-change-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `s-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];
const HEADER = "meter_id,type,unit,pulse_weight";
const registry = (...rows: string[]) => write(dir, `m-${n++}.csv`, [HEADER, ...rows]);
const readings = (...lines: string[]) => write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines]);
const bill = (rows: Array<Record<string, string>>) => rows.map((r) => [r.reading_id, r.previous, r.consumption]);
const held = (rows: Array<Record<string, string>>) => rows.map((r) => [r.reading_id, r.reasons]);

describe.each(STORES)("a meter moved between a register and a pulse type, on $kind", ({ db: newDb }) => {
  it("register to pulse: the first pulse count starts a new chain, the next is billed against it", async () => {
    const db = newDb();
    const run = (meters: string, ...lines: string[]) => runAndRead({ meters, inputs: [readings(...lines)], db, out: join(dir, `o-${n++}`) });
    const register = registry("A,water.register,m3,", "B,water.register,m3,");
    const first = await run(register, "A,2026-01-01,1000", "A,2026-01-10,1010", "B,2026-01-01,500", "B,2026-01-10,520");
    expect(bill(first.billing)).toEqual([["A@2026-01-10", "1000", "10"], ["B@2026-01-10", "500", "20"]]);
    // A gets an impulse output: 0.1 m3 a pulse. B stays a register meter.
    const pulse = registry("A,water.pulse,m3,0.1", "B,water.register,m3,");
    const next = await run(pulse, "A,2026-01-20,30", "B,2026-01-20,530");
    expect(bill(next.billing)).toEqual([["B@2026-01-20", "520", "10"]]);
    expect(held(next.held)).toEqual([["A@2026-01-20", "initial"]]);
    const after = await run(pulse, "A,2026-01-30,40");
    // 40 pulses of 0.1 m3 against the new chain's first count.
    expect(bill(after.billing).map(([id, , c]) => [id, Number(c)])).toEqual([["A@2026-01-30", 4]]);
    expect(after.summary).toMatchObject({ in: 1, billable: 1, held: 0 });
  });

  it("pulse to register: the first register value starts a new chain; a late one before the change is held before_baseline", async () => {
    const db = newDb();
    const run = (meters: string, ...lines: string[]) => runAndRead({ meters, inputs: [readings(...lines)], db, out: join(dir, `o-${n++}`) });
    const pulse = registry("A,water.pulse,m3,0.1");
    const first = await run(pulse, "A,2026-01-01,5", "A,2026-01-10,30");
    expect(bill(first.billing).map(([id, , c]) => [id, Number(c)])).toEqual([["A@2026-01-10", 3]]);
    // The pulse meter replaced by the register it was counting: read as 1,200 m3.
    const register = registry("A,water.register,m3,");
    const next = await run(register, "A,2026-01-20,1200");
    expect(next.billing).toEqual([]);
    expect(held(next.held)).toEqual([["A@2026-01-20", "initial"]]);
    // A register reading dated before the old chain's last day lies before the new chain.
    const late = await run(register, "A,2026-01-05,1190", "A,2026-01-25,1207");
    expect(bill(late.billing)).toEqual([["A@2026-01-25", "1200", "7"]]);
    expect(held(late.held)).toEqual([["A@2026-01-05", "before_baseline"]]);
    // Between the old chain's last day and the new chain's first reading: a new first reading, the
    // one after it corrected against it.
    const between = await run(register, "A,2026-01-15,1195");
    expect(between.summary).toMatchObject({ in: 1, corrections: 1 });
    expect(bill(between.billing).map(([id, p, c]) => [id, p, Number(c)])).toEqual([["A@2026-01-20", "1195", 5]]);
  });

  it("a meter of a type that was never read is not a new chain: its registry baseline stays its start", async () => {
    const db = newDb();
    const run = (meters: string, ...lines: string[]) => runAndRead({ meters, inputs: [readings(...lines)], db, out: join(dir, `o-${n++}`) });
    await run(registry("A,water.pulse,m3,0.1"));
    const register = write(dir, `m-${n++}.csv`, ["meter_id,type,unit,last_reading,last_end", "A,water.register,m3,100,2026-01-01"]);
    const next = await run(register, "A,2026-01-10,112");
    expect(bill(next.billing)).toEqual([["A@2026-01-10", "100", "12"]]);
  });

  it("a change of kind after a held pulse reading: readings up to the held one lie before the new chain, in one batch or over runs", async () => {
    // Review: the late path held readings up to the held pulse reading's day before_baseline
    // while the in-order path took them as the new chain's first: the chain depended on batching.
    const db = newDb();
    const run = (meters: string, ...lines: string[]) => runAndRead({ meters, inputs: [readings(...lines)], db, out: join(dir, `o-${n++}`) });
    const pulse = registry("A,water.pulse,m3,0.1", "B,water.pulse,m3,0.1");
    await run(pulse, "A,2026-01-01,5", "A,2026-01-10,30", "B,2026-01-01,5", "B,2026-01-10,30");
    const store = await openStore(db);
    await setTempBad(store, { meterId: "A", reason: "sensor fault", actor: "ops" });
    await setTempBad(store, { meterId: "B", reason: "sensor fault", actor: "ops" });
    const flagged = await run(pulse, "A,2026-01-15,20", "B,2026-01-15,20");
    expect(held(flagged.held)).toEqual([["A@2026-01-15", "temp_bad"], ["B@2026-01-15", "temp_bad"]]);
    await clearTempBad(store, { meterId: "A", reason: "replaced", actor: "ops" });
    await clearTempBad(store, { meterId: "B", reason: "replaced", actor: "ops" });
    await store.close();
    const register = registry("A,water.register,m3,", "B,water.register,m3,");
    // A over three runs, B in one: the 12th and 14th lie before the new chain, the 20th starts it.
    const a = [await run(register, "A,2026-01-12,1200"), await run(register, "A,2026-01-20,1210"), await run(register, "A,2026-01-14,1203")];
    const b = await run(register, "B,2026-01-12,1200", "B,2026-01-14,1203", "B,2026-01-20,1210");
    const outcome = (outs: Array<{ billing: Array<Record<string, string>>; held: Array<Record<string, string>> }>, id: string) =>
      outs.flatMap((o) => [...o.billing.map((r) => [r.reading_id.slice(2), "billed", r.consumption]), ...o.held.map((r) => [r.reading_id.slice(2), r.reasons])])
        .filter(([day]) => day !== undefined).sort((x, y) => String(x[0]).localeCompare(String(y[0]))).map((x) => [id, ...x]);
    expect(outcome(a, "A").map(([, ...rest]) => rest)).toEqual([
      ["2026-01-12", "before_baseline"], ["2026-01-14", "before_baseline"], ["2026-01-20", "initial"],
    ]);
    expect(outcome([b], "B").map(([, ...rest]) => rest)).toEqual(outcome(a, "A").map(([, ...rest]) => rest));
    // An exact re-send of a reading held before the new chain is a duplicate.
    expect((await run(register, "A,2026-01-12,1200")).summary).toMatchObject({ in: 1, duplicates: 1, held: 0 });
  });
});
