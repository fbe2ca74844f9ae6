// A reading before the earliest reading of a meter without a registry baseline becomes its
// baseline (DESIGN.md, the billing chain) however long the meter's history is: the spike and drop
// rules compare a period's use with the meter's average, and a baseline has no period, so they
// do not judge it (they held it `drop_low` once the meter had 10 readings, and the bill depended
// on how the readings were batched).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const meters = write(dir, "meters.csv", ["meter_id", "B1", "B2"]);
const day = (d: number) => `2026-10-${String(d).padStart(2, "0")}`;
// B1: 12 readings from 10-02 (more than the rules' 10), B2: 3; each 10 units a day.
const night1 = write(dir, "n1.csv", ["meter_id,end,value",
  ...Array.from({ length: 12 }, (_, i) => `B1,${day(2 + i)},${1010 + 10 * i}`),
  ...Array.from({ length: 3 }, (_, i) => `B2,${day(2 + i)},${1010 + 10 * i}`)]);
const night2 = write(dir, "n2.csv", ["meter_id,end,value", "B1,2026-10-01,1000", "B2,2026-10-01,1000"]);

const billedBy = (rows: Array<Record<string, string>>) => {
  const total = new Map<string, number>();
  for (const r of rows) total.set(r.meter_id, (total.get(r.meter_id) ?? 0) + Number(r.consumption));
  return Object.fromEntries(total);
};

describe("a late reading before a meter's earliest one", () => {
  it("becomes the baseline and its old first reading is billed against it, with 3 or 12 readings of history", async () => {
    const db = join(dir, "two-nights.db");
    const a = await runAndRead({ meters, inputs: [night1], db, out: join(dir, "o1") });
    const b = await runAndRead({ inputs: [night2], db, out: join(dir, "o2") });
    expect(b.held.map((r) => [r.meter_id, r.end, r.reasons]).sort()).toEqual([["B1", "2026-10-01", "initial"], ["B2", "2026-10-01", "initial"]]);
    expect(b.billing.map((r) => [r.meter_id, r.end, r.consumption, r.flags]).sort()).toEqual([
      ["B1", "2026-10-02", "10", "correction"],
      ["B2", "2026-10-02", "10", "correction"],
    ]);
    // The same as one run of both nights.
    const one = await runAndRead({ meters, inputs: [night1, night2], db: join(dir, "one.db"), out: join(dir, "o3") });
    expect(billedBy([...a.billing, ...b.billing])).toEqual(billedBy(one.billing));
    expect(billedBy(one.billing)).toEqual({ B1: 120, B2: 30 });
  });
});
