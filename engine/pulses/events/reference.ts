// Reference implementation of assembly/pulse-events.ts in plain TypeScript: the specification
// the kernel is tested against bit for bit, and the fallback where WebAssembly is unavailable.
//
// Order: interval ids never decrease and are below the interval count; within an interval t
// never decreases; every t is finite. Otherwise STATUS_UNSORTED and no output is written.
//
// Per interval, over its events e_0 .. e_k in time order:
//   count           k + 1;  reverseCount: events with reverse != 0
//   minOnMs         least on-time, maxClosedMs greatest; NaN on-times skipped; NaN when none
//   minGapMs        least t_i - t_(i-1) (leading edge to leading edge); NaN below two events
//   end_i           t_i + onMs_i, a NaN or negative on-time taken as 0; lastEnd = running max
//   pulseFreeMaxMin max(0, t_0 - startMs, t_i - lastEnd_(i-1), endMs - lastEnd_k) / 60000,
//                   NaN lengths skipped; no events: max(0, endMs - startMs) / 60000
//   spanMin         (endMs - startMs) / 60000
//   debounced       with d = debounceMs > 0: events merge into one pulse while the off-time
//                   t_i - lastEnd_(i-1) < d; a merged pulse (first leading edge to lastEnd at its
//                   last event) counts when it lasts >= d. Otherwise (0, negative, NaN): count.
// Every min and max keeps the running value on a tie or NaN (minKeep, maxKeep), exactly as the
// kernel's f64x2.pmin / pmax and selects do.
import type { EventIntervalColumns, PulseEventColumns } from "./columns.js";
import { STATUS_OK, STATUS_UNSORTED } from "./status.js";

const MS_PER_MINUTE = 60000;

/** `x < acc ? x : acc`: a NaN `x` or a tie keeps `acc` (assembly/util/lanes.ts minKeep). */
export function minKeep(acc: number, x: number): number {
  return x < acc ? x : acc;
}

/** `x > acc ? x : acc`: a NaN `x` or a tie keeps `acc` (assembly/util/lanes.ts maxKeep). */
export function maxKeep(acc: number, x: number): number {
  return x > acc ? x : acc;
}

/** Whether events [0, n) are sorted by interval (each below `m`), then by finite time. */
export function eventsInOrder(e: PulseEventColumns, n: number, m: number): boolean {
  for (let i = 0; i < n; i++) {
    const id = e.interval[i];
    const time = e.t[i];
    if (id >= m || !Number.isFinite(time)) return false;
    if (i > 0 && (id < e.interval[i - 1] || (id === e.interval[i - 1] && time < e.t[i - 1]))) return false;
  }
  return true;
}

/**
 * Summarises events [0, n) into intervals [0, m). Returns STATUS_OK, or STATUS_UNSORTED without
 * writing an output when the events are not in order.
 */
export function computePulseEventsReference(e: PulseEventColumns, c: EventIntervalColumns, n: number, m: number): number {
  if (!eventsInOrder(e, n, m)) return STATUS_UNSORTED;
  let i = 0;
  for (let j = 0; j < m; j++) {
    const start = c.startMs[j];
    const end = c.endMs[j];
    const filter = c.debounceMs[j] > 0;
    const d = filter ? c.debounceMs[j] : 0;
    c.spanMin[j] = (end - start) / MS_PER_MINUTE;
    if (i >= n || e.interval[i] !== j) {
      c.count[j] = 0;
      c.debounced[j] = 0;
      c.reverseCount[j] = 0;
      c.minOnMs[j] = Number.NaN;
      c.maxClosedMs[j] = Number.NaN;
      c.minGapMs[j] = Number.NaN;
      c.pulseFreeMaxMin[j] = maxKeep(0, end - start) / MS_PER_MINUTE;
      continue;
    }
    const first = i;
    const t0 = e.t[i];
    const on0 = e.onMs[i];
    let minOn = minKeep(Infinity, on0);
    let maxOn = maxKeep(-Infinity, on0);
    let minGap = Infinity;
    let free = maxKeep(0, t0 - start);
    let lastEnd = t0 + maxKeep(0, on0);
    let prevT = t0;
    let pulseStart = t0;
    let pulses = 0;
    let reversed = e.reverse[i] !== 0 ? 1 : 0;
    for (i++; i < n && e.interval[i] === j; i++) {
      const time = e.t[i];
      const on = e.onMs[i];
      minOn = minKeep(minOn, on);
      maxOn = maxKeep(maxOn, on);
      minGap = minKeep(minGap, time - prevT);
      prevT = time;
      const slot = time - lastEnd;
      free = maxKeep(free, slot);
      if (slot >= d) {
        // The off-time reaches the debounce time: the merged pulse ends and a new one starts.
        if (lastEnd - pulseStart >= d) pulses++;
        pulseStart = time;
      }
      lastEnd = maxKeep(lastEnd, time + maxKeep(0, on));
      if (e.reverse[i] !== 0) reversed++;
    }
    if (lastEnd - pulseStart >= d) pulses++;
    const total = i - first;
    const measured = minOn <= maxOn;
    c.count[j] = total;
    c.debounced[j] = filter ? pulses : total;
    c.reverseCount[j] = reversed;
    c.minOnMs[j] = measured ? minOn : Number.NaN;
    c.maxClosedMs[j] = measured ? maxOn : Number.NaN;
    c.minGapMs[j] = total > 1 ? minGap : Number.NaN;
    c.pulseFreeMaxMin[j] = maxKeep(free, end - lastEnd) / MS_PER_MINUTE;
  }
  return STATUS_OK;
}
