// A reading re-sent with the same value and another override (ledger-law audit): it was counted a
// duplicate, so a corrected override was never billed and nobody saw it. An exact re-send is the
// same value and the same override; another override is a conflict, held for an operator.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearTempBad, setTempBad } from "../../../engine/operations/index.js";
import { openStore } from "../../../engine/store/open.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-override-resend-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `s-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];
const meters = write(dir, "meters.csv", [METERS_HEADER, ..."DEF".split("").map((m) => `${m},electricity.register,kWh,1,,,,,,,,,1000,2026-11-01`)]);
const readings = (...lines: string[]) => write(dir, `r-${n++}.csv`, ["meter_id,end,value,override", ...lines]);

describe.each(STORES)("a reading re-sent with another override, on $kind", ({ db: newDb }) => {
  it("is a conflict, held; the same override again is a duplicate; in one batch too", async () => {
    const db = newDb();
    const run = (...lines: string[]) => runAndRead({ meters, db, inputs: [readings(...lines)], out: join(dir, `o-${n++}`) });
    const first = await run("D,2026-11-12,1100,5", "E,2026-11-12,1100,");
    expect(first.billing.map((r) => [r.reading_id, r.consumption])).toEqual([["D@2026-11-12", "5"], ["E@2026-11-12", "100"]]);
    const again = await run("D,2026-11-12,1100,9", "E,2026-11-12,1100,42", "D,2026-11-12,1100,5", "E,2026-11-12,1100,");
    expect(again.summary).toMatchObject({ in: 4, billable: 0, held: 2, duplicates: 2 });
    expect(again.held.map((h) => [h.reading_id, h.current, h.reasons])).toEqual([["D@2026-11-12", "1100", "conflict"], ["E@2026-11-12", "1100", "conflict"]]);
    // Two rows of one new day in one batch, the second with an override: the first is billed, the second a conflict.
    const batch = await run("F,2026-11-12,1100,", "F,2026-11-12,1100,7");
    expect(batch.billing.map((r) => [r.reading_id, r.consumption])).toEqual([["F@2026-11-12", "100"]]);
    expect(batch.held.map((h) => [h.reading_id, h.reasons])).toEqual([["F@2026-11-12", "conflict"]]);
  });

  it("a held reading re-sent with another override is a reading of its own, not a duplicate of the held one", async () => {
    // Review: the held index matched on meter, day and value only.
    const db = newDb();
    const run = (...lines: string[]) => runAndRead({ meters, db, inputs: [readings(...lines)], out: join(dir, `o-${n++}`) });
    await run();
    const store = await openStore(db);
    await setTempBad(store, { meterId: "D", reason: "check", actor: "ops" });
    expect((await run("D,2026-11-12,1100,")).held.map((h) => [h.reading_id, h.reasons])).toEqual([["D@2026-11-12", "temp_bad"]]);
    await clearTempBad(store, { meterId: "D", reason: "ok", actor: "ops" }).finally(() => store.close());
    // The exact reading again: a duplicate of the held one; with an override: decided, billed 5.
    expect((await run("D,2026-11-12,1100,")).summary).toMatchObject({ in: 1, duplicates: 1, billable: 0, held: 0 });
    const corrected = await run("D,2026-11-12,1100,5");
    expect(corrected.billing.map((r) => [r.reading_id, r.consumption])).toEqual([["D@2026-11-12", "5"]]);
  });
});
