// Two values for one meter and one new day in the same batch: the second waits for the first's
// decision. Against a trusted first it is a conflict (held once: the same wrong value again is a
// duplicate); against a held first (a typo held implausible_rollover, a negative override) it is
// judged on its own between the chain's neighbours, so the bill does not depend on the batching.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAndRead, write } from "../../helpers/run.js";
import type { Outputs } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const meters = write(dir, "meters.csv", ["meter_id", "A"]);
let n = 0;

/** What each reading billed over the runs' billing records (its own and its corrections). */
function billedPerReading(runs: Outputs[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const o of runs) for (const r of o.billing) total[r.reading_id] = (total[r.reading_id] ?? 0) + Number(r.consumption);
  return total;
}

/** The lines run in one batch, one line per batch, and split in two runs at `cut`. */
async function threeWays(lines: string[], cut: number): Promise<Outputs[][]> {
  const header = "meter_id,end,value,override";
  const all = write(dir, `all-${n}.csv`, [header, ...lines]);
  const first = write(dir, `first-${n}.csv`, [header, ...lines.slice(0, cut)]);
  const second = write(dir, `second-${n}.csv`, [header, ...lines.slice(cut)]);
  const db = (k: string) => join(dir, `${k}-${n}.db`);
  const out = (k: string) => join(dir, `${k}-${n}-${Math.random().toString(36).slice(2)}`);
  const one = await runAndRead({ meters, inputs: [all], db: db("one"), out: out("one") });
  const single = await runAndRead({ meters, inputs: [all], db: db("single"), out: out("single"), batchSize: 1 });
  const a = await runAndRead({ meters, inputs: [first], db: db("split"), out: out("a") });
  const b = await runAndRead({ inputs: [second], db: db("split"), out: out("b") });
  n++;
  return [[one], [single], [a, b]];
}

describe("two values for one meter and day in one batch", () => {
  it("bills the right value after a typo held implausible_rollover, however the readings are batched", async () => {
    const ways = await threeWays(["A,2026-11-01,1000,", "A,2026-11-10,1010,", "A,2026-11-11,50,", "A,2026-11-11,1020,", "A,2026-11-12,1030,"], 3);
    for (const runs of ways) {
      expect(billedPerReading(runs)).toEqual({ "A@2026-11-10": 10, "A@2026-11-11": 10, "A@2026-11-12": 10 });
      const held = runs.flatMap((o) => o.held.map((r) => [r.reading_id, r.current, r.reasons]));
      expect(held).toEqual([["A@2026-11-01", "1000", "initial"], ["A@2026-11-11", "50", "implausible_rollover"]]);
    }
  });

  it("judges the meter's later days against the right value, not the reading before it", async () => {
    // 1015 the day after is below 1020: an implausible wrap against it, as in a batch per reading.
    const ways = await threeWays(["A,2026-09-01,1010,", "A,2026-09-02,50,", "A,2026-09-02,1020,", "A,2026-09-03,1015,", "A,2026-09-04,1030,"], 2);
    for (const runs of ways) {
      expect(billedPerReading(runs)).toEqual({ "A@2026-09-02": 10, "A@2026-09-04": 10 });
      const held = runs.flatMap((o) => o.held.map((r) => [r.reading_id, r.current, r.previous, r.reasons]));
      expect(held).toEqual([["A@2026-09-01", "1010", "", "initial"], ["A@2026-09-02", "50", "1010", "implausible_rollover"], ["A@2026-09-03", "1015", "1020", "implausible_rollover"]]);
    }
  });

  it("bills the right value after a negative override held negative_consumption", async () => {
    const ways = await threeWays(["A,2026-11-01,1000,", "A,2026-11-10,1010,-3", "A,2026-11-10,1012,", "A,2026-11-12,1030,"], 2);
    for (const runs of ways) {
      expect(billedPerReading(runs)).toEqual({ "A@2026-11-10": 12, "A@2026-11-12": 18 });
      expect(runs.flatMap((o) => o.held.map((r) => [r.reading_id, r.reasons]))).toEqual([["A@2026-11-01", "initial"], ["A@2026-11-10", "negative_consumption"]]);
    }
  });

  it("holds another value against a trusted first value as a conflict once, the same wrong value again a duplicate", async () => {
    for (const lines of [["A,2026-11-01,100,", "A,2026-11-02,110,", "A,2026-11-02,115,", "A,2026-11-02,115,"], ["A,2026-11-01,100,", "A,2026-11-01,105,", "A,2026-11-01,105,"]]) {
      const file = write(dir, `conflict-${n++}.csv`, ["meter_id,end,value,override", ...lines]);
      const o = await runAndRead({ meters, inputs: [file], db: join(dir, `c-${n}.db`), out: join(dir, `c-${n}`) });
      expect(o.held.filter((r) => r.reasons === "conflict").map((r) => r.current)).toEqual([lines[2].split(",")[2]]);
      expect(o.summary).toMatchObject({ in: lines.length, duplicates: 1, balanced: true });
    }
  });
});
