// Raw pulse events -> one interval summary per meter and UTC day, the same summary a radio
// module sends at the end of the day: the event kernel (./events) reduces the pulses, the line
// sample reducer (./samples.ts) the loop, tamper and magnet samples. The summaries then go
// through the interval kernel like any pulse reading.
//
// Every row counts for its meter and day, so a day logged with heartbeats only is a summary with
// no pulses. Rows may come in any order (a logger interleaving channels, a file concatenated from several):
// they are grouped by meter and day keeping file order, and a group whose times go backwards is
// sorted by time (stable), so the kernels always see time order.
import type { PulseEventRows } from "../ingest/events.js";
import { timeZone } from "../time/current.js";
import { createPulseEventKernel } from "./events/kernel.js";
import type { PulseEventKernel } from "./events/kernel.js";
import { reduceLineSamples } from "./samples.js";
import type { LineSampleOptions } from "./samples.js";

export const DAY_MS = 86_400_000;

/** One summary per meter and day, as columns, ordered by meter index then day. */
export interface EventSummaries {
  length: number;
  meter: Int32Array;
  /** Day number (days since 1970-01-01 UTC). */
  day: Int32Array;
  count: Float64Array;
  debounced: Float64Array;
  minOnMs: Float64Array;
  minGapMs: Float64Array;
  maxClosedMs: Float64Array;
  reverseCount: Float64Array;
  pulseFreeMaxMin: Float64Array;
  loopMinMa: Float64Array;
  loopMaxMa: Float64Array;
  tamperOpen: Float64Array;
  tamperEvents: Float64Array;
  /** The line (CSV, NDJSON; record number in msgpack) of the first row of the meter and day. */
  firstLine: Float64Array;
  /** The rows summarised as pulses and as line samples (indices into the rows; repeats left out). */
  pulseRows: Int32Array;
  sampleRows: Int32Array;
  /**
   * Per row: 1 when it repeats an earlier row of its meter exactly (the same time and values: an
   * upload that overlaps the one before sends them twice), counted once: a repeated pulse counted
   * twice made bounce and magnetic faults out of clean days (pulse audit).
   */
  repeatedRow: Uint8Array;
}

/** Options of summarizeEvents. */
export interface SummarizeOptions extends LineSampleOptions {
  /** Debounce time of a meter (by its index in the rows' MeterIndex), ms. */
  debounceOf: (meter: number) => number;
  /** The event kernel; by default the fastest available. */
  kernel?: PulseEventKernel;
}

/**
 * Summarises the valid rows of an events file per meter and calendar day of the thread's time
 * zone (UTC unless configured; a day across a daylight-saving change is 23 or 25 hours).
 */
export function summarizeEvents(rows: PulseEventRows, options: SummarizeOptions): EventSummaries {
  const n = rows.length;
  // Group key per row: meter x day, dense over the days the file covers.
  let minDay = Infinity;
  let maxDay = -Infinity;
  const day = new Int32Array(n);
  const zone = timeZone();
  for (let i = 0; i < n; i++) {
    const d = zone.dayOf(rows.t[i]);
    day[i] = d;
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
  }
  const span = n === 0 ? 1 : maxDay - minDay + 1;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = rows.meter[i] * span + (day[i] - minDay);
  const unique = Float64Array.from(new Set(keys)).sort();
  const m = unique.length;
  const idOf = new Map<number, number>();
  for (let g = 0; g < m; g++) idOf.set(unique[g], g);
  const group = new Uint32Array(n);
  for (let i = 0; i < n; i++) group[i] = idOf.get(keys[i])!;

  const pulsesOrdered = orderBy(group, rows.t, m, (i) => rows.onMs[i] === rows.onMs[i]);
  const samplesOrdered = orderBy(group, rows.t, m, (i) => rows.loopMa[i] === rows.loopMa[i] || rows.tamper[i] === rows.tamper[i] || rows.magnetMt[i] === rows.magnetMt[i]);
  const pulses = dropRepeats(pulsesOrdered, group, rows.t, (a, b) => rows.onMs[a] === rows.onMs[b] && rows.reverse[a] === rows.reverse[b]);
  const samples = dropRepeats(samplesOrdered, group, rows.t, (a, b) =>
    same(rows.loopMa[a], rows.loopMa[b]) && same(rows.tamper[a], rows.tamper[b]) && same(rows.magnetMt[a], rows.magnetMt[b]));
  // A row is repeated when all it carries (its pulse, its samples) repeats an earlier row's.
  const repeatedRow = repeatedRows(n, [pulsesOrdered, samplesOrdered], [pulses, samples]);

  const out: EventSummaries = {
    length: m, meter: new Int32Array(m), day: new Int32Array(m), count: new Float64Array(m), debounced: new Float64Array(m),
    minOnMs: new Float64Array(m), minGapMs: new Float64Array(m), maxClosedMs: new Float64Array(m), reverseCount: new Float64Array(m),
    pulseFreeMaxMin: new Float64Array(m), loopMinMa: new Float64Array(m), loopMaxMa: new Float64Array(m),
    tamperOpen: new Float64Array(m), tamperEvents: new Float64Array(m), firstLine: new Float64Array(m).fill(Number.POSITIVE_INFINITY),
    pulseRows: pulses, sampleRows: samples, repeatedRow,
  };
  for (let i = 0; i < n; i++) if (rows.line[i] < out.firstLine[group[i]]) out.firstLine[group[i]] = rows.line[i];
  for (let g = 0; g < m; g++) {
    out.meter[g] = Math.floor(unique[g] / span);
    out.day[g] = minDay + (unique[g] % span);
  }
  if (m === 0) return out;

  const kernel = options.kernel ?? createPulseEventKernel();
  const batch = kernel.allocate(Math.max(1, pulses.length), m);
  try {
    const e = batch.events;
    for (let j = 0; j < pulses.length; j++) {
      const i = pulses[j];
      e.interval[j] = group[i];
      e.t[j] = rows.t[i];
      e.onMs[j] = rows.onMs[i];
      e.reverse[j] = rows.reverse[i];
    }
    const iv = batch.intervals;
    for (let g = 0; g < m; g++) {
      iv.startMs[g] = zone.startOf(out.day[g]);
      iv.endMs[g] = zone.startOf(out.day[g] + 1);
      iv.debounceMs[g] = options.debounceOf(out.meter[g]);
    }
    kernel.compute(batch, pulses.length, m);
    const r = batch.intervals;
    out.count.set(r.count.subarray(0, m));
    out.debounced.set(r.debounced.subarray(0, m));
    out.minOnMs.set(r.minOnMs.subarray(0, m));
    out.minGapMs.set(r.minGapMs.subarray(0, m));
    out.maxClosedMs.set(r.maxClosedMs.subarray(0, m));
    out.reverseCount.set(r.reverseCount.subarray(0, m));
    out.pulseFreeMaxMin.set(r.pulseFreeMaxMin.subarray(0, m));
  } finally {
    kernel.release(batch);
  }

  const s = samples.length;
  const line = {
    interval: new Uint32Array(s), t: new Float64Array(s), loopMa: new Float64Array(s),
    tamper: new Float64Array(s), magnetMt: new Float64Array(s),
  };
  for (let j = 0; j < s; j++) {
    const i = samples[j];
    line.interval[j] = group[i];
    line.t[j] = rows.t[i];
    line.loopMa[j] = rows.loopMa[i];
    line.tamper[j] = rows.tamper[i];
    line.magnetMt[j] = rows.magnetMt[i];
  }
  const reduced = reduceLineSamples(line, s, m, options);
  out.loopMinMa.set(reduced.loopMinMa);
  out.loopMaxMa.set(reduced.loopMaxMa);
  out.tamperOpen.set(reduced.tamperOpen);
  out.tamperEvents.set(reduced.tamperEvents);
  return out;
}

const same = (a: number, b: number) => a === b || (a !== a && b !== b);

/** Per row (of `n`): 1 when it is in some of the `ordered` lists and in none of the `kept` ones. */
function repeatedRows(n: number, ordered: readonly Int32Array[], kept: readonly Int32Array[]): Uint8Array {
  const state = new Uint8Array(n); // 1: listed, 2: kept somewhere
  for (const list of ordered) for (const i of list) state[i] |= 1;
  for (const list of kept) for (const i of list) state[i] |= 2;
  for (let i = 0; i < n; i++) state[i] = state[i] === 1 ? 1 : 0;
  return state;
}

/**
 * `order` (grouped, each group in time order) without the rows that repeat an earlier row of
 * their group at the same time (`equal`): two rows of a meter's channel with one time and the
 * same values are one event sent twice.
 */
function dropRepeats(order: Int32Array, group: Uint32Array, t: Float64Array, equal: (a: number, b: number) => boolean): Int32Array {
  let kept = 0;
  let run = 0; // where the run of rows with the current group and time begins in the kept rows
  const out = new Int32Array(order.length);
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    if (kept === 0 || group[out[kept - 1]] !== group[i] || t[out[kept - 1]] !== t[i]) run = kept;
    let repeat = false;
    for (let k = run; k < kept && !repeat; k++) repeat = equal(out[k], i);
    if (!repeat) out[kept++] = i;
  }
  return kept === order.length ? order : out.subarray(0, kept);
}

/**
 * Indices of the rows `keep` accepts, grouped by `group` (0..m-1) in file order, each group
 * then in time order (a stable sort only for groups whose times go backwards).
 */
function orderBy(group: Uint32Array, t: Float64Array, m: number, keep: (i: number) => boolean): Int32Array {
  const n = group.length;
  const start = new Int32Array(m + 1);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    start[group[i] + 1]++;
    kept++;
  }
  for (let g = 0; g < m; g++) start[g + 1] += start[g];
  const at = start.slice(0, m);
  const order = new Int32Array(kept);
  for (let i = 0; i < n; i++) if (keep(i)) order[at[group[i]]++] = i;
  for (let g = 0; g < m; g++) {
    const from = start[g];
    const to = start[g + 1];
    let sorted = true;
    for (let j = from + 1; j < to && sorted; j++) sorted = t[order[j - 1]] <= t[order[j]];
    if (!sorted) order.subarray(from, to).sort((a, b) => t[a] - t[b] || a - b);
  }
  return order;
}
