// Pulse event kernel (DESIGN.md "Pulse meters and impulse-sensor faults"): raw pulse events of
// many channels -> the interval summaries the interval kernel (assembly/pulses.ts) judges.
//
// Columnar over caller-owned columns in linear memory.
//   events (n)      interval   u32  the event's interval, an index into the interval columns
//                   t          f64  leading edge, ms since the epoch (UTC)
//                   onMs       f64  on-time (contact closed / NAMUR high); NaN = not measured
//                   reverse    u8   non-zero: the direction input was reversed
//   intervals (m)   startMs, endMs  f64  the interval [startMs, endMs)
//                   debounceMs f64  debounce time; 0, negative or NaN: no debouncing
//   outputs (m)     count, debounced, minOnMs, minGapMs, maxClosedMs, reverseCount,
//                   pulseFreeMaxMin, spanMin: f64, the inputs of the same name of assembly/pulses.ts
//                   (debounced is its debouncedIn)
//
// Order (the caller sorts): interval ids never decrease and are below m, and within an interval
// t never decreases and is finite (a NaN or infinite time has no place in time order).
// Otherwise the kernel returns STATUS_UNSORTED and writes no output. The check is a separate
// pass over `interval` and `t` before any output is written (measured 1.0 ns per event of 4.5 on
// 10M events); checking inside the main pass would cost about 0.15 ns but would already have
// written the outputs of the intervals before the first misplaced event.
//
// Per interval, over its events e_0 .. e_k in time order:
//   count          k + 1
//   reverseCount   events with reverse != 0
//   minOnMs        least on-time, maxClosedMs greatest on-time; NaN on-times are skipped, and
//                  both are NaN when no event has one (or there is no event)
//   minGapMs       least t_i - t_(i-1), leading edge to leading edge; NaN below two events
//   end_i          t_i + onMs_i, with a NaN or negative on-time taken as 0 (the pulse ends at its
//                  leading edge); lastEnd_i = max(end_0 .. end_i), robust to overlapping events
//   pulseFreeMaxMin the longest pulse-free slot in minutes: max(0, t_0 - startMs,
//                  t_i - lastEnd_(i-1) for i >= 1, endMs - lastEnd_k) / 60000. Negative lengths
//                  lose to 0 and NaN lengths (NaN bounds) are skipped; no events: the whole
//                  interval, max(0, endMs - startMs) / 60000
//   spanMin        (endMs - startMs) / 60000
//   debounced      a debounce filter, d = debounceMs when > 0: consecutive events merge into one
//                  pulse while the off-time before the next, t_i - lastEnd_(i-1), is < d; a merged
//                  pulse, from its first leading edge to lastEnd at its last event, counts when it
//                  lasts >= d. Bounce spikes shorter than d drop out and a pulse split by a bounce
//                  gap shorter than d counts once. Without a debounce time, debounced = count.
//                  (lastEnd is the merged pulse's end: an end never precedes its leading edge and
//                  a new pulse starts after every earlier end.)
// All comparisons keep the running value on a tie or a NaN (util/lanes.ts minKeep / maxKeep), so
// the outputs are one function of the inputs, bit for bit: the reference implementation is
// engine/pulses/events/reference.ts.
//
// Speed: one sequential pass over each interval's events (the off-time depends on every earlier
// end), so no SIMD across events; the SIMD build keeps each running value in an f64x2 whose min,
// max and select are branch-free instructions. Reading events one at a time leaves memory
// bandwidth unused (main pass 5.8 ns per event, against 1.3 for the floor below to read every
// column), so blocks of BLOCK events are first pulled into cache with one load per cache line:
// 3.6 ns (scalar build: 5.9 -> 4.5). Measured with bench/pulses.ts on 10M events.

import { fits } from "./util/bounds";
import { STATUS_BAD_LENGTH, STATUS_OK, STATUS_OUT_OF_BOUNDS, STATUS_UNSORTED } from "./util/flags";
import { add, lane, loadLane, maxKeep, minKeep, splat, sub } from "./util/lanes";

const MS_PER_MINUTE: f64 = 60000;
/** Events pulled into cache at a time: 4096 x 21 bytes stays in L2 (measured flat from 512 to 8192). */
const BLOCK: usize = 4096;
/** Where touch() leaves what it read, so the loads are not optimised away. */
let touchSink: u64 = 0;

/**
 * Summarises pulse events [0, n) into intervals [0, m). Returns STATUS_OK; STATUS_BAD_LENGTH or
 * STATUS_OUT_OF_BOUNDS without touching memory when a length is negative or a column does not
 * fit in linear memory; STATUS_UNSORTED, with no output written, when the events are not in order.
 */
export function pulseEvents(
  n: i32, m: i32,
  interval: usize, t: usize, onMs: usize, reverse: usize,
  startMs: usize, endMs: usize, debounceMs: usize,
  count: usize, debounced: usize, minOnMs: usize, minGapMs: usize, maxClosedMs: usize,
  reverseCount: usize, pulseFreeMaxMin: usize, spanMin: usize,
): i32 {
  const status = entry(n, m, interval, t, onMs, reverse, startMs, endMs, debounceMs,
    count, debounced, minOnMs, minGapMs, maxClosedMs, reverseCount, pulseFreeMaxMin, spanMin);
  if (status != STATUS_OK) return status;
  if (!inOrder(<usize>n, <u32>m, interval, t)) return STATUS_UNSORTED;
  if (ASC_FEATURE_SIMD) {
    summarise<v128>(<usize>n, <usize>m, interval, t, onMs, reverse, startMs, endMs, debounceMs,
      count, debounced, minOnMs, minGapMs, maxClosedMs, reverseCount, pulseFreeMaxMin, spanMin);
  } else {
    summarise<f64>(<usize>n, <usize>m, interval, t, onMs, reverse, startMs, endMs, debounceMs,
      count, debounced, minOnMs, minGapMs, maxClosedMs, reverseCount, pulseFreeMaxMin, spanMin);
  }
  return STATUS_OK;
}

/** Entry checks of both exports: STATUS_BAD_LENGTH, STATUS_OUT_OF_BOUNDS or STATUS_OK. */
// @ts-ignore: decorator
@inline function entry(
  n: i32, m: i32,
  interval: usize, t: usize, onMs: usize, reverse: usize,
  startMs: usize, endMs: usize, debounceMs: usize,
  count: usize, debounced: usize, minOnMs: usize, minGapMs: usize, maxClosedMs: usize,
  reverseCount: usize, pulseFreeMaxMin: usize, spanMin: usize,
): i32 {
  if (n < 0 || m < 0) return STATUS_BAD_LENGTH;
  const n8 = <u64>n << 3;
  const m8 = <u64>m << 3;
  if (
    !fits(interval, <u64>n << 2) || !fits(t, n8) || !fits(onMs, n8) || !fits(reverse, <u64>n) ||
    !fits(startMs, m8) || !fits(endMs, m8) || !fits(debounceMs, m8) ||
    !fits(count, m8) || !fits(debounced, m8) || !fits(minOnMs, m8) || !fits(minGapMs, m8) ||
    !fits(maxClosedMs, m8) || !fits(reverseCount, m8) || !fits(pulseFreeMaxMin, m8) || !fits(spanMin, m8)
  ) return STATUS_OUT_OF_BOUNDS;
  return STATUS_OK;
}

/** Whether the events are in the order the header requires. */
function inOrder(n: usize, m: u32, interval: usize, t: usize): bool {
  if (n == 0) return true;
  // With the first and the last id below m, ids that never decrease as signed integers all are.
  if (load<u32>(interval) >= m || load<u32>(interval + ((n - 1) << 2)) >= m) return false;
  const t0 = load<f64>(t);
  if (!(t0 - t0 == 0)) return false; // t - t is NaN for NaN and infinities
  let i: usize = 1;
  if (ASC_FEATURE_SIMD) {
    let bad = i32x4.splat(0);
    let notFinite0 = f64x2.splat(0);
    let notFinite1 = f64x2.splat(0);
    for (; i + 8 <= n; i += 8) {
      const a = interval + (i << 2);
      const b = t + (i << 3);
      const id0 = v128.load(a), prev0 = v128.load(a - 4);
      const id1 = v128.load(a + 16), prev1 = v128.load(a + 12);
      const ta = v128.load(b), tb = v128.load(b + 16), tc = v128.load(b + 32), td = v128.load(b + 48);
      const back0 = i32x4.shuffle(f64x2.lt(ta, v128.load(b - 8)), f64x2.lt(tb, v128.load(b + 8)), 0, 2, 4, 6);
      const back1 = i32x4.shuffle(f64x2.lt(tc, v128.load(b + 24)), f64x2.lt(td, v128.load(b + 40)), 0, 2, 4, 6);
      bad = v128.or(bad, v128.or(i32x4.lt_s(id0, prev0), v128.and(i32x4.eq(id0, prev0), back0)));
      bad = v128.or(bad, v128.or(i32x4.lt_s(id1, prev1), v128.and(i32x4.eq(id1, prev1), back1)));
      // A NaN stays in the sum: cheaper than a compare per vector.
      notFinite0 = f64x2.add(notFinite0, f64x2.add(f64x2.sub(ta, ta), f64x2.sub(tb, tb)));
      notFinite1 = f64x2.add(notFinite1, f64x2.add(f64x2.sub(tc, tc), f64x2.sub(td, td)));
    }
    if (v128.any_true(bad) || v128.any_true(f64x2.ne(f64x2.add(notFinite0, notFinite1), f64x2.splat(0)))) return false;
  }
  // Within a run of one id, time >= prev also rejects NaN; a run whose first and last times are
  // finite is finite throughout, so infinities are looked for only where the id changes.
  let prevId = load<i32>(interval + ((i - 1) << 2));
  let prevT = load<f64>(t + ((i - 1) << 3));
  for (; i < n; i++) {
    const id = load<i32>(interval + (i << 2));
    const time = load<f64>(t + (i << 3));
    if (id == prevId) {
      if (!(time >= prevT)) return false;
    } else if (id < prevId || !(time - time == 0) || !(prevT - prevT == 0)) return false;
    prevId = id;
    prevT = time;
  }
  return prevT - prevT == 0;
}

/** Pulls events [from, to) into cache: one load per cache line of each column. */
function touch(from: usize, to: usize, interval: usize, t: usize, onMs: usize, reverse: usize): void {
  let x: u64 = 0;
  for (let k = from; k < to; k += 8) {
    x ^= load<u64>(t + (k << 3)) ^ load<u64>(onMs + (k << 3)) ^ <u64>load<u32>(interval + (k << 2)) ^ <u64>load<u8>(reverse + k);
  }
  touchSink ^= x;
}

/** The main pass over ordered events; T = v128 in the SIMD build, f64 in the scalar build. */
function summarise<T>(
  n: usize, m: usize,
  interval: usize, t: usize, onMs: usize, reverse: usize,
  startMs: usize, endMs: usize, debounceMs: usize,
  count: usize, debounced: usize, minOnMs: usize, minGapMs: usize, maxClosedMs: usize,
  reverseCount: usize, pulseFreeMaxMin: usize, spanMin: usize,
): void {
  const zero = splat<T>(0);
  let i: usize = 0;
  let cached: usize = 0; // events [.., cached) have been touched
  for (let j: usize = 0; j < m; j++) {
    const j8 = j << 3;
    const start = load<f64>(startMs + j8);
    const end = load<f64>(endMs + j8);
    const debounceGiven = load<f64>(debounceMs + j8);
    const filter = debounceGiven > 0;
    const d = splat<T>(select<f64>(debounceGiven, 0, filter));
    store<f64>(spanMin + j8, (end - start) / MS_PER_MINUTE);
    if (i >= cached && i < n) {
      cached = min(i + BLOCK, n);
      touch(i, cached, interval, t, onMs, reverse);
    }
    if (i >= n || load<u32>(interval + (i << 2)) != <u32>j) {
      store<f64>(count + j8, 0);
      store<f64>(debounced + j8, 0);
      store<f64>(reverseCount + j8, 0);
      store<f64>(minOnMs + j8, NaN);
      store<f64>(maxClosedMs + j8, NaN);
      store<f64>(minGapMs + j8, NaN);
      store<f64>(pulseFreeMaxMin + j8, maxKeep<f64>(0, end - start) / MS_PER_MINUTE);
      continue;
    }

    // The first event opens the interval's first slot and its first merged pulse.
    const first = i;
    const t0 = loadLane<T>(t + (i << 3));
    const on0 = loadLane<T>(onMs + (i << 3));
    let minOn = minKeep<T>(splat<T>(Infinity), on0);
    let maxOn = maxKeep<T>(splat<T>(-Infinity), on0);
    let minGap = splat<T>(Infinity);
    let free = maxKeep<T>(zero, sub<T>(t0, splat<T>(start)));
    let lastEnd = add<T>(t0, maxKeep<T>(zero, on0));
    let prevT = t0;
    let pulseStart = t0;
    let pulses = zero;
    let reversed: u32 = (<u32>load<u8>(reverse + i) + 255) >> 8; // 1 for any non-zero byte
    i++;
    while (true) {
      if (i >= cached) {
        if (i >= n) break;
        cached = min(i + BLOCK, n);
        touch(i, cached, interval, t, onMs, reverse);
      }
      if (load<u32>(interval + (i << 2)) != <u32>j) break;
      const time = loadLane<T>(t + (i << 3));
      const on = loadLane<T>(onMs + (i << 3));
      minOn = minKeep<T>(minOn, on);
      maxOn = maxKeep<T>(maxOn, on);
      minGap = minKeep<T>(minGap, sub<T>(time, prevT));
      prevT = time;
      const slot = sub<T>(time, lastEnd);
      free = maxKeep<T>(free, slot);
      // slot >= d: the off-time reaches the debounce time, so the merged pulse ends here and
      // counts if it lasted >= d. Neither difference can be NaN: times are finite, lastEnd is
      // finite or +Infinity.
      if (isVector<T>()) {
        const split = f64x2.ge(slot, d);
        const lasted = f64x2.ge(f64x2.sub(lastEnd, pulseStart), d);
        pulses = f64x2.add(pulses, v128.and(v128.and(split, lasted), f64x2.splat(1)));
        pulseStart = v128.bitselect(time, pulseStart, split);
      } else {
        const split = slot >= d;
        pulses += select<f64>(1, 0, split & (lastEnd - pulseStart >= d));
        pulseStart = select<f64>(time, pulseStart, split);
      }
      lastEnd = maxKeep<T>(lastEnd, add<T>(time, maxKeep<T>(zero, on)));
      reversed += (<u32>load<u8>(reverse + i) + 255) >> 8;
      i++;
    }
    // The last merged pulse ends with the interval's events.
    const lasted = lane<T>(sub<T>(lastEnd, pulseStart)) >= lane<T>(d);
    const total = <f64>(i - first);
    const least = lane<T>(minOn);
    const most = lane<T>(maxOn);
    const measured = least <= most; // false only when every on-time was NaN
    store<f64>(count + j8, total);
    store<f64>(debounced + j8, select<f64>(lane<T>(pulses) + select<f64>(1, 0, lasted), total, filter));
    store<f64>(reverseCount + j8, <f64>reversed);
    store<f64>(minOnMs + j8, select<f64>(least, NaN, measured));
    store<f64>(maxClosedMs + j8, select<f64>(most, NaN, measured));
    store<f64>(minGapMs + j8, select<f64>(lane<T>(minGap), NaN, i - first > 1));
    store<f64>(pulseFreeMaxMin + j8, lane<T>(maxKeep<T>(free, sub<T>(splat<T>(end), lastEnd))) / MS_PER_MINUTE);
  }
}

/**
 * Memory floor of pulseEvents for bench/ (not used by the engine): reads every event and
 * interval input column once and writes every output column, one trivial operation per value.
 */
export function pulseEventsFloor(
  n: i32, m: i32,
  interval: usize, t: usize, onMs: usize, reverse: usize,
  startMs: usize, endMs: usize, debounceMs: usize,
  count: usize, debounced: usize, minOnMs: usize, minGapMs: usize, maxClosedMs: usize,
  reverseCount: usize, pulseFreeMaxMin: usize, spanMin: usize,
): i32 {
  const status = entry(n, m, interval, t, onMs, reverse, startMs, endMs, debounceMs,
    count, debounced, minOnMs, minGapMs, maxClosedMs, reverseCount, pulseFreeMaxMin, spanMin);
  if (status != STATUS_OK) return status;
  const events = <usize>n;
  let x: u64 = 0;
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    let v = i64x2.splat(0);
    for (; i + 16 <= events; i += 16) {
      const o8 = i << 3, o4 = i << 2;
      for (let k: usize = 0; k < 128; k += 16) v = v128.xor(v, v128.xor(v128.load(t + o8 + k), v128.load(onMs + o8 + k)));
      v = v128.xor(v, v128.xor(v128.load(interval + o4), v128.load(interval + o4 + 16)));
      v = v128.xor(v, v128.xor(v128.load(interval + o4 + 32), v128.load(interval + o4 + 48)));
      v = v128.xor(v, v128.load(reverse + i));
    }
    x = i64x2.extract_lane(v, 0) ^ i64x2.extract_lane(v, 1);
  }
  for (; i < events; i++) {
    x ^= load<u64>(t + (i << 3)) ^ load<u64>(onMs + (i << 3)) ^ <u64>load<u32>(interval + (i << 2)) ^ <u64>load<u8>(reverse + i);
  }
  const seen = <f64>(x & 1);
  for (let j: usize = 0; j < <usize>m; j++) {
    const j8 = j << 3;
    const v = load<f64>(startMs + j8) + load<f64>(endMs + j8) + load<f64>(debounceMs + j8) + seen;
    store<f64>(count + j8, v);
    store<f64>(debounced + j8, v);
    store<f64>(minOnMs + j8, v);
    store<f64>(minGapMs + j8, v);
    store<f64>(maxClosedMs + j8, v);
    store<f64>(reverseCount + j8, v);
    store<f64>(pulseFreeMaxMin + j8, v);
    store<f64>(spanMin + j8, v);
  }
  return STATUS_OK;
}
