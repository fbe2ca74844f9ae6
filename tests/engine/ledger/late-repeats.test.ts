// Batching changes no decision when a batch mixes back-dated readings and same-day repeats of a
// meter (README: "batching changes no decision"), as a property over random register meters: after
// nights of billed days with gaps, one batch holds readings for some of the gaps (back-dated), new
// days (spikes, drops, typos) and new days re-sent, exactly or with another value. Deciding it in
// one batch gives every reading the outcome it gets in runs of one day's sends each, in day order.
// A meter with a repeat had its back-dated rows resolved after its new days (late.ts), so a spike
// judged without the late reading among the readings before it was billed.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAndRead, write } from "../../helpers/run.js";
import { billed, outcomes } from "../../helpers/reading-outcomes.js";
import type { Outputs } from "../../helpers/run.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-late-repeats-");
let n = 0;
const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1) / DAY;
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

interface Row {
  day: number;
  /** 0 for a day's first send, 1 for its re-send. */
  send: number;
  line: string;
}

/** Random register meters: nights with gaps, then a last batch of gap days, new days and re-sends. */
function scenario(seed: number): { meters: string; nights: string[]; last: Row[] } {
  const rnd = mulberry32(seed);
  const int = (k: number) => Math.floor(rnd() * k);
  const meters = ["meter_id"];
  const nights: string[] = [];
  const last: Row[] = [];
  const past = 10 + int(6);
  for (let m = 0; m < 6; m++) {
    meters.push(`M-${m}`);
    let register = int(5000);
    const usual = 5 + int(10);
    const values: number[] = [];
    for (let d = 0; d < past + 4; d++) {
      const roll = rnd();
      register += roll < 0.1 ? usual * 40 : roll < 0.15 ? 0 : usual + int(3);
      values.push(register);
    }
    // The nights: every past day but a few gaps; the last batch: some gaps, and new days.
    const gaps = new Set<number>();
    for (let g = 0; g < 1 + int(3); g++) gaps.add(2 + int(past - 3));
    for (let d = 0; d < past; d++) if (!gaps.has(d)) nights.push(`M-${m},${iso(START + d)},${values[d]}`);
    for (const d of gaps) if (rnd() < 0.8) last.push({ day: d, send: 0, line: `M-${m},${iso(START + d)},${values[d]}` });
    for (let d = past; d < past + 4; d++) {
      if (rnd() < 0.15) continue;
      const value = rnd() < 0.08 ? int(values[d]) : values[d]; // a typo below the register
      last.push({ day: d, send: 0, line: `M-${m},${iso(START + d)},${value}` });
      // A re-send: the same value, or another (the right one after a typo, or one a little off).
      if (rnd() < 0.35) {
        const again = rnd() < 0.3 ? value : value === values[d] ? value + 1 + int(3) : values[d];
        last.push({ day: d, send: 1, line: `M-${m},${iso(START + d)},${again}` });
      }
    }
  }
  return { meters: write(dir, `meters-${seed}-${n++}.csv`, meters), nights, last };
}

const HEADER = "meter_id,end,value";

describe("back-dated readings and same-day repeats in one batch or in runs of a day each", () => {
  for (const seed of seeds(20261208)) {
    it(`decide every reading the same (seed ${seed}; MF_SEED=${seed} replays it)`, async () => {
      const { meters, nights, last } = scenario(seed);
      const rnd = mulberry32(seed ^ 0x1a7e);
      const oneDb = join(dir, `one-${seed}-${n++}.db`);
      const one = [await runAndRead({ meters, db: oneDb, inputs: [write(dir, `n-${n++}.csv`, [HEADER, ...nights])], out: join(dir, `o-${n++}`) })];
      // The last batch in random file order (a meter's rows are decided in end order), a re-send
      // after every first send (within a day, file order).
      const ordered = last.filter((r) => r.send === 0).map((r) => r.line).sort(() => rnd() - 0.5);
      for (const r of last) if (r.send === 1) ordered.push(r.line);
      one.push(await runAndRead({ db: oneDb, inputs: [write(dir, `l-${n++}.csv`, [HEADER, ...ordered])], out: join(dir, `o-${n++}`) }));
      const manyDb = join(dir, `many-${seed}-${n++}.db`);
      const many = [await runAndRead({ meters, db: manyDb, inputs: [write(dir, `n-${n++}.csv`, [HEADER, ...nights])], out: join(dir, `o-${n++}`) })];
      const days = [...new Set(last.map((r) => r.day))].sort((a, b) => a - b);
      for (const day of days) {
        for (const send of [0, 1]) {
          const lines = last.filter((r) => r.day === day && r.send === send).map((r) => r.line);
          if (lines.length > 0) many.push(await runAndRead({ db: manyDb, inputs: [write(dir, `d-${n++}.csv`, [HEADER, ...lines])], out: join(dir, `o-${n++}`) }));
        }
      }
      expect(outcomes(one)).toEqual(outcomes(many));
      expect(billed(one)).toEqual(billed(many));
      const counts = (runs: Outputs[]) => runs.reduce((t, r) => [t[0] + r.summary.billable, t[1] + r.summary.held, t[2] + r.summary.duplicates], [0, 0, 0]);
      expect(counts(one)).toEqual(counts(many));
    });
  }
});
