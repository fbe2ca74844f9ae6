// Faults and near misses written over a day's clean pulses: each changes the events
// [from, w.length) of the writer in place or rewrites them, keeping time order and keeping
// every event's end before the next event's start.
import type { Random } from "../../demo/random.js";
import type { EventWriter } from "./columns.js";

/** Share of pulses that bounce on a `bounce` day (at least one does). */
const BOUNCE_SHARE = 0.02;
/** Longest bounce burst, ms: a 3 ms gap, then 6 spikes of 5 ms on and 3 ms off. */
const BURST_MAX_MS = 51;

/** Index of the first event at or after `t` among [from, w.length). */
export function firstAtOrAfter(w: EventWriter, from: number, t: number): number {
  let lo = from;
  let hi = w.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (w.t[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Drops the events from `at` on: the line was cut. */
export function cutFrom(w: EventWriter, from: number, at: number): void {
  w.length = firstAtOrAfter(w, from, at);
}

/**
 * Replaces the events starting in [start, end) by what `fill` writes (events inside the same
 * window, in order); events before and after stay.
 */
export function replaceWindow(w: EventWriter, from: number, start: number, end: number, fill: () => void): void {
  const tail = w.take(firstAtOrAfter(w, from, start));
  fill();
  for (let i = 0; i < tail.t.length; i++) if (tail.t[i] >= end) w.push(tail.t[i], tail.onMs[i], tail.reverse[i]);
}

/** Marks a run of 1-10 consecutive pulses (at most all of them) as reversed. */
export function reverseRun(w: EventWriter, from: number, rng: Random): void {
  const n = w.length - from;
  if (n === 0) return;
  const k = rng.int(1, Math.min(10, n) + 1);
  const first = from + rng.int(0, n - k + 1);
  w.reverse.fill(1, first, first + k);
}

/** Long legal pulses: on-times of 90-120 ms, at least one of exactly 120 ms. */
export function widenPulses(w: EventWriter, from: number, rng: Random): void {
  const n = w.length - from;
  if (n === 0) return;
  for (let i = from; i < w.length; i++) w.onMs[i] = 90 + rng.int(0, 31);
  w.onMs[from + rng.int(0, n)] = 120;
}

/**
 * A fast legal S0 train from `start`: `count` pulses of 30-34 ms on and 30-38 ms off, whole
 * milliseconds. Returns the time after its last pulse.
 */
export function writeFastTrain(w: EventWriter, start: number, count: number, rng: Random): number {
  let t = start;
  for (let i = 0; i < count; i++) {
    const on = 30 + rng.int(0, 5);
    w.push(t, on, 0);
    t += on + 30 + rng.int(0, 9);
  }
  return t;
}

/**
 * Contact chatter: about 2% of the pulses (at least one) get a burst of 2-6 spikes of 1-5 ms
 * with 1-3 ms gaps, just before the pulse (closing bounce) or just after it (opening bounce),
 * inside the day [dayStart, dayEnd).
 */
export function addBounce(w: EventWriter, from: number, rng: Random, dayStart: number, dayEnd: number): void {
  const n = w.length - from;
  if (n === 0) return;
  const marks = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (rng.chance(BOUNCE_SHARE)) marks[i] = 1;
  if (!marks.includes(1)) marks[rng.int(0, n)] = 1;
  const pulses = w.take(from);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = pulses.t[i];
    const width = pulses.onMs[i];
    if (marks[i] === 0) {
      w.push(t, width, pulses.reverse[i]);
      continue;
    }
    on.length = off.length = 0;
    let total = 0;
    for (let k = rng.int(2, 7); k > 0; k--) {
      on.push(rng.int(1, 6));
      off.push(rng.int(1, 4));
      total += on[on.length - 1] + off[off.length - 1];
    }
    const before = t - BURST_MAX_MS >= dayStart && (t + width + BURST_MAX_MS >= dayEnd || rng.chance(0.5));
    if (before) writeSpikes(w, t - total, on, off);
    w.push(t, width, pulses.reverse[i]);
    if (!before) writeSpikes(w, t + width + off[0], on, off);
  }
}

function writeSpikes(w: EventWriter, start: number, on: number[], off: number[]): void {
  let s = start;
  for (let k = 0; k < on.length; k++) {
    w.push(s, on[k], 0);
    s += on[k] + off[k];
  }
}
