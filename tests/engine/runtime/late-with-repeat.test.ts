// A back-dated reading in the same batch as a meter's new days is decided before them (end order),
// also when the batch re-sends one of those new days with another value (a same-day repeat): what
// the late reading changes (the meter's billed readings and average) is what the new days are
// judged with, as when the readings came in runs of their own in day order. The repeat's meter
// had its late rows resolved after the kernel's new days: with exactly 10 billed readings before
// a spike only when the late reading counted, one batch billed the spike, day-by-day runs held it
// spike_high (and the readings after it followed).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAndRead, write } from "../../helpers/run.js";
import { billed, outcomes } from "../../helpers/reading-outcomes.js";
import type { Outputs } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-late-repeat-");
let n = 0;
const meters = write(dir, "meters.csv", ["meter_id", "A"]);
const readings = (...lines: string[]) => write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines]);
const day = (d: number) => `2026-11-${String(d).padStart(2, "0")}`;

// Night 1: the first reading and 9 billed at 5 a day, the 5th missing.
const night1 = [1, 2, 3, 4, 6, 7, 8, 9, 10, 11].map((d) => `A,${day(d)},${100 + d * 5}`);
// Night 2: the 5th late (consistent), a spike on the 12th (40x the average), the 13th, and one of
// the new days again with another value (the 13th, or the spike itself).
const cases: Array<[string, string[]]> = [
  ["the day after the spike", [`A,${day(5)},125`, `A,${day(12)},355`, `A,${day(13)},360`, `A,${day(13)},361`]],
  ["the spike's day", [`A,${day(5)},125`, `A,${day(12)},355`, `A,${day(12)},356`, `A,${day(13)},360`]],
];

describe("a back-dated reading beside a meter's new days and a same-day repeat in one batch", () => {
  for (const [name, night2] of cases) {
    it(`counts among the readings before the new days (repeat of ${name}): decided as in runs of a reading each`, async () => {
      const oneDb = join(dir, `one-${n++}.db`);
      const first = await runAndRead({ meters, db: oneDb, inputs: [readings(...night1)], out: join(dir, `o-${n++}`) });
      const one = [first, await runAndRead({ db: oneDb, inputs: [readings(...night2)], out: join(dir, `o-${n++}`) })];
      const manyDb = join(dir, `many-${n++}.db`);
      const many = [await runAndRead({ meters, db: manyDb, inputs: [readings(...night1)], out: join(dir, `o-${n++}`) })];
      for (const line of night2) many.push(await runAndRead({ db: manyDb, inputs: [readings(line)], out: join(dir, `o-${n++}`) }));
      expect(outcomes(one)).toContain(`A@${day(12)} held 355 spike_high`);
      expect(outcomes(one)).toEqual(outcomes(many));
      expect(billed(one)).toEqual(billed(many));
      const counts = (runs: Outputs[]) => runs.reduce((t, r) => [t[0] + r.summary.billable, t[1] + r.summary.held, t[2] + r.summary.duplicates], [0, 0, 0]);
      expect(counts(one)).toEqual(counts(many));
    });
  }
});
