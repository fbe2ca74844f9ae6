// Runs pulse interval rows, and raw pulse events, described as plain objects through the pulse
// kernels, for readable tests.
import { flagNames } from "../../../engine/flags/index.js";
import type { FlagName } from "../../../engine/flags/index.js";
import {
  createPulseEventKernel, createPulseKernel, EVENT_INTERVAL_INPUTS, EVENT_INTERVAL_OUTPUTS, INPUT_COLUMNS, THRESHOLD_COLUMNS,
} from "../../../engine/pulses/index.js";
import type {
  EventIntervalInput, EventIntervalOutput, InputColumn, PulseEventKernel, PulseImplementation, PulseKernel, ThresholdColumn,
} from "../../../engine/pulses/index.js";

export const IMPLEMENTATIONS: PulseImplementation[] = ["simd", "scalar", "reference"];

export type PulseRow = Partial<Record<InputColumn | ThresholdColumn, number>>;

export interface PulseResult {
  debounced: number;
  consumption: number;
  faults: FlagName[];
}

const kernels = new Map<PulseImplementation, PulseKernel>();

export function pulseKernelFor(implementation: PulseImplementation): PulseKernel {
  let kernel = kernels.get(implementation);
  if (kernel === undefined) {
    kernel = createPulseKernel({ implementation });
    kernels.set(implementation, kernel);
  }
  return kernel;
}

/** Computes rows in one batch; unset columns keep the batch defaults (PulseBatch.clear). */
export function computePulses(implementation: PulseImplementation, rows: PulseRow[]): PulseResult[] {
  const kernel = pulseKernelFor(implementation);
  const batch = kernel.allocate(Math.max(rows.length, 1));
  try {
    const c = batch.columns;
    rows.forEach((row, i) => {
      for (const name of [...INPUT_COLUMNS, ...THRESHOLD_COLUMNS]) {
        const v = row[name];
        if (v !== undefined) c[name][i] = v;
      }
    });
    kernel.compute(batch, rows.length);
    const out = batch.columns;
    return rows.map((_, i) => ({ debounced: out.debounced[i], consumption: out.consumption[i], faults: flagNames(out.faults[i]) }));
  } finally {
    kernel.release(batch);
  }
}

/** One row, computed three times in one batch (a SIMD pair and the scalar tail must agree). */
export function onePulse(implementation: PulseImplementation, row: PulseRow): PulseResult {
  const [a, b, c] = computePulses(implementation, [row, row, row]);
  for (const x of [b, c]) {
    if (!Object.is(a.consumption, x.consumption) || !Object.is(a.debounced, x.debounced) || a.faults.join() !== x.faults.join()) {
      throw new Error(`rows in a SIMD step and in the tail disagree: ${JSON.stringify([a, b, c])}`);
    }
  }
  return a;
}

// ---- pulse events ----

/** One raw pulse event; `interval` defaults to 0, `reverse` to 0. */
export interface EventRow {
  interval?: number;
  t: number;
  onMs: number;
  reverse?: number;
}

/** One interval; unset fields keep the batch defaults (0 .. 24 h, debounce 10 ms). */
export type IntervalRow = Partial<Record<EventIntervalInput, number>>;

export type IntervalResult = Record<EventIntervalOutput, number>;

const eventKernels = new Map<PulseImplementation, PulseEventKernel>();

export function eventKernelFor(implementation: PulseImplementation): PulseEventKernel {
  let kernel = eventKernels.get(implementation);
  if (kernel === undefined) {
    kernel = createPulseEventKernel({ implementation });
    eventKernels.set(implementation, kernel);
  }
  return kernel;
}

/** Summarises `events` into `intervals` (one default interval unless given) in one batch. */
export function summarise(implementation: PulseImplementation, events: EventRow[], intervals: IntervalRow[] = [{}]): IntervalResult[] {
  const kernel = eventKernelFor(implementation);
  const batch = kernel.allocate(Math.max(events.length, 1), Math.max(intervals.length, 1));
  try {
    const e = batch.events;
    events.forEach((row, i) => {
      e.interval[i] = row.interval ?? 0;
      e.t[i] = row.t;
      e.onMs[i] = row.onMs;
      e.reverse[i] = row.reverse ?? 0;
    });
    const c = batch.intervals;
    intervals.forEach((row, j) => {
      for (const name of EVENT_INTERVAL_INPUTS) {
        const v = row[name];
        if (v !== undefined) c[name][j] = v;
      }
    });
    kernel.compute(batch, events.length, intervals.length);
    const out = batch.intervals;
    return intervals.map((_, j) => Object.fromEntries(EVENT_INTERVAL_OUTPUTS.map((k) => [k, out[k][j]])) as IntervalResult);
  } finally {
    kernel.release(batch);
  }
}
