// Clean pulses of one day from a flow model: water is drawn in bursts (a tap, a shower, a
// flush) whose timing follows a daily profile, and the meter gives a pulse each time another
// `weight` units have passed. Pulses therefore come as trains at the draw's flow, with ripple,
// and stop between draws; a leak adds a steady flow under everything.
import type { Random } from "../../demo/random.js";
import type { EventWriter } from "./columns.js";
import type { ResolvedDayOptions } from "./options.js";

/**
 * Relative water use per UTC hour of the day: a morning and an evening peak, and 0 from 01:00
 * to 05:00 (no draws, apart from an occasional flush), so a clean day has a pulse-free slot of
 * well over an hour.
 */
export const DAILY_PROFILE: readonly number[] = Object.freeze([
  0.4, 0, 0, 0, 0, 0.6, 2.0, 3.0, 2.2, 1.4, 1.0, 1.0, 1.3, 1.1, 0.8, 0.8, 1.0, 1.4, 2.0, 2.4, 2.2, 1.6, 1.1, 0.7,
]);

const PROFILE_SUM = DAILY_PROFILE.reduce((a, b) => a + b, 0);
const HOUR_MS = 3_600_000;
/** Chance of one flush in the night hours. */
const NIGHT_FLUSH = 0.3;

/**
 * Writes the day's pulses (on-time 40-60 ms, whole milliseconds, not reversed) to `w`, with a
 * steady leak of `leakPerHour` units an hour under the draws (0: none).
 */
export function writeFlowPulses(w: EventWriter, o: ResolvedDayOptions, rng: Random, leakPerHour: number): void {
  const { flowPerHour: flow, weight, dayStartMs } = o;
  const leak = leakPerHour / HOUR_MS;
  const flushHour = rng.chance(NIGHT_FLUSH) ? rng.int(1, 5) : -1;
  // Volume still to pass before the next pulse: the register's phase at midnight.
  let need = rng.next() * weight;
  let now = dayStartMs;
  const durations: number[] = [];
  const flows: number[] = [];

  /** Flow of `leak + draw` units/ms from `now` to `end`; a pulse each time `weight` has passed. */
  const piece = (end: number, draw: number): void => {
    const f = leak + draw;
    if (f > 0) {
      let t = now;
      for (;;) {
        const dt = need / f;
        if (t + dt >= end) {
          need -= f * (end - t);
          break;
        }
        t += dt;
        w.push(Math.floor(t), 40 + rng.int(0, 21), 0);
        need = weight;
      }
    }
    now = end;
  };

  for (let h = 0; h < 24; h++) {
    const hourEnd = dayStartMs + (h + 1) * HOUR_MS;
    let volume = (24 * flow * DAILY_PROFILE[h] * rng.between(0.7, 1.3)) / PROFILE_SUM;
    if (h === flushHour) volume = flow * rng.between(0.2, 0.5);
    // Draws of 0.2-2.5 hours' mean volume at 8-24 times the mean flow: 1-10 minutes each.
    durations.length = flows.length = 0;
    let busy = 0;
    while (volume > 0) {
      const v = Math.min(volume, flow * rng.between(0.2, 2.5));
      const q = flow * rng.between(8, 24);
      flows.push(q / HOUR_MS);
      durations.push((v / q) * HOUR_MS);
      busy += (v / q) * HOUR_MS;
      volume -= v;
    }
    // Idle time between draws: the hour's free time split at random.
    const n = durations.length;
    let total = 0;
    const gaps: number[] = [];
    for (let i = 0; i <= n; i++) {
      const g = -Math.log(1 - rng.next());
      gaps.push(g);
      total += g;
    }
    const free = HOUR_MS - busy;
    for (let i = 0; i < n; i++) {
      // Clamped to the hour: rounding must never carry a pulse past midnight.
      piece(Math.min(now + (gaps[i] / total) * free, hourEnd), 0);
      // Flow ripples by +-15% every 5-20 s of a draw.
      let left = durations[i];
      while (left > 0) {
        const s = Math.min(left, rng.between(5_000, 20_000));
        piece(Math.min(now + s, hourEnd), flows[i] * rng.between(0.85, 1.15));
        left -= s;
      }
    }
    piece(hourEnd, 0);
  }
}
