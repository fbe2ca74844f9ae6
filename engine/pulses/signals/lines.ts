// Line samples of one channel-day on a regular grid: NAMUR loop current (on or off as the
// pulses at that instant say, or a cut / shorted line), a reed sensor's tamper loop, a magnetic
// field sensor. A channel without supervision or magnetometer has no samples.
import type { Random } from "../../demo/random.js";
import type { EventWriter, SampleWriter } from "./columns.js";
import type { ResolvedDayOptions } from "./options.js";
import { DAY_MS } from "./options.js";

/** Times (ms since epoch) of a day's line events; Infinity where the day has none. */
export interface LineEvents {
  /** The NAMUR loop reads shorted in [shortFrom, shortTo). */
  shortFrom: number;
  shortTo: number;
  /** The line is cut from `openAt` on: loop below 0.2 mA, tamper loop open. */
  openAt: number;
  /** A magnet is held to the meter in [magnetFrom, magnetTo). */
  magnetFrom: number;
  magnetTo: number;
}

/** No line events. */
export const QUIET_LINE: Readonly<LineEvents> = Object.freeze({
  shortFrom: Infinity, shortTo: Infinity, openAt: Infinity, magnetFrom: Infinity, magnetTo: Infinity,
});

/**
 * Writes the day's samples, one every `sampleEveryMs` from a random phase within the first
 * period, reading the pulse state from events [from, to) of `ev` (in order, not overlapping).
 * - NAMUR: 2.1-2.3 mA while a pulse is on, 1.1-1.25 mA (+-0.03 noise) while off,
 *   6.2-7.5 mA while shorted, 0.02-0.15 mA once cut.
 * - reed: tamper 1 while a magnet is held or once cut, else 0.
 * - magnetometer: 20-80 mT (+-5%) while a magnet is held, else 0.02-0.08 mT (earth's field).
 */
export function writeLineSamples(
  sw: SampleWriter, o: ResolvedDayOptions, line: LineEvents, ev: EventWriter, from: number, to: number, rng: Random,
): void {
  const namur = o.sensor === "namur";
  const reed = o.sensor === "reed";
  if (!namur && !reed && !o.magnetometer) return;
  const every = o.sampleEveryMs;
  const end = o.dayStartMs + DAY_MS;
  const offMa = rng.between(1.1, 1.25);
  const fieldMt = rng.between(20, 80);
  const earthMt = rng.between(0.02, 0.08);
  let e = from;
  for (let t = o.dayStartMs + rng.int(0, every); t < end; t += every) {
    const magnet = t >= line.magnetFrom && t < line.magnetTo;
    const cut = t >= line.openAt;
    let loop = Number.NaN;
    if (namur) {
      while (e < to && ev.t[e] + ev.onMs[e] <= t) e++;
      if (cut) loop = rng.between(0.02, 0.15);
      else if (t >= line.shortFrom && t < line.shortTo) loop = rng.between(6.2, 7.5);
      else if (e < to && ev.t[e] <= t) loop = rng.between(2.1, 2.3);
      else loop = offMa + rng.between(-0.03, 0.03);
    }
    const tamper = reed ? (magnet || cut ? 1 : 0) : Number.NaN;
    const field = o.magnetometer ? (magnet ? fieldMt * rng.between(0.95, 1.05) : earthMt) : Number.NaN;
    sw.push(t, loop, tamper, field);
  }
}
