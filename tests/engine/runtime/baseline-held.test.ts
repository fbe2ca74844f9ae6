// A registry baseline fixed after the meter's only readings were held: the chain has not begun
// (no trusted reading), so the next reading, and a release of the held one, are decided against
// the fixed baseline. The state used to keep the baseline it was first decided against.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OperationSession, releaseHeld } from "../../../engine/operations/index.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-baseline-held-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `s-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];
const registry = (value: number, end: string) => write(dir, `m-${n++}.csv`, [METERS_HEADER, `A,electricity.register,kWh,1,,,,,,,,,${value},${end}`]);
const readings = (...lines: string[]) => write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines]);

describe.each(STORES)("a baseline fixed while the meter's readings are held, on $kind", ({ db: newDb }) => {
  it("the next reading is billed against the fixed baseline", async () => {
    const db = newDb();
    const first = await runAndRead({ meters: registry(100, "2026-01-01"), inputs: [readings("A,2026-01-10,50")], db, out: join(dir, `o-${n++}`) });
    expect(first.held.map((h) => h.reading_id)).toEqual(["A@2026-01-10"]);
    const next = await runAndRead({ meters: registry(40, "2026-01-05"), inputs: [readings("A,2026-01-20,60")], db, out: join(dir, `o-${n++}`) });
    expect(next.billing.map((r) => [r.reading_id, r.start, r.previous, r.consumption])).toEqual([["A@2026-01-20", "2026-01-06", "40", "20"]]);
  });

  it("a release of the held reading is decided against the fixed baseline", async () => {
    const db = newDb();
    await runAndRead({ meters: registry(100, "2026-01-01"), inputs: [readings("A,2026-01-10,50")], db, out: join(dir, `o-${n++}`) });
    await runAndRead({ meters: registry(40, "2026-01-05"), inputs: [readings()], db, out: join(dir, `o-${n++}`) });
    const session = await OperationSession.open({ db });
    try {
      const released = await releaseHeld(session, { readingId: "A@2026-01-10", reason: "baseline fixed", actor: "ops" });
      expect(released).toMatchObject({ billed: 10 });
    } finally {
      await session.close();
    }
  });
});
