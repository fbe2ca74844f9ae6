// A back-dated reading in the same batch as a meter's new days is decided before them (end order):
// what it changes (the meter's billed readings and average) is what the new days are judged with,
// as when it came in a batch of its own (cluster audit: with exactly 10 billed readings before a
// spike only when the late reading counted, one batch billed the spike, two held it spike_high).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-late-first-");
let n = 0;
const meters = write(dir, "meters.csv", ["meter_id", "A"]);
const readings = (...lines: string[]) => write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines]);
const day = (d: number) => `2026-11-${String(d).padStart(2, "0")}`;

describe("a back-dated reading beside a meter's new days in one batch", () => {
  it("counts among the readings before them: the spike after it is held as in two batches", async () => {
    // Night 1: the first reading and 8 billed at 5 a day, the 5th missing.
    const night1 = [1, 2, 3, 4, 6, 7, 8, 9, 10].map((d) => `A,${day(d)},${100 + d * 5}`);
    const outcome = (runs: Array<{ billing: Array<Record<string, string>>; held: Array<Record<string, string>> }>) =>
      runs.flatMap((r) => [...r.billing.map((b) => `${b.reading_id} billed ${b.consumption}`), ...r.held.map((h) => `${h.reading_id} held ${h.reasons}`)]).sort();
    const oneDb = join(dir, `one-${n++}.db`);
    await runAndRead({ meters, db: oneDb, inputs: [readings(...night1)], out: join(dir, `o-${n++}`) });
    // Night 2: the 5th late (consistent), the 11th, and a spike on the 12th (40x the average).
    const one = await runAndRead({ db: oneDb, inputs: [readings(`A,${day(5)},125`, `A,${day(11)},155`, `A,${day(12)},355`)], out: join(dir, `o-${n++}`) });
    const twoDb = join(dir, `two-${n++}.db`);
    await runAndRead({ meters, db: twoDb, inputs: [readings(...night1)], out: join(dir, `o-${n++}`) });
    const two = [
      await runAndRead({ db: twoDb, inputs: [readings(`A,${day(5)},125`)], out: join(dir, `o-${n++}`) }),
      await runAndRead({ db: twoDb, inputs: [readings(`A,${day(11)},155`, `A,${day(12)},355`)], out: join(dir, `o-${n++}`) }),
    ];
    expect(outcome([one])).toContain(`A@${day(12)} held spike_high`);
    expect(outcome([one])).toEqual(outcome(two));
  });
});
