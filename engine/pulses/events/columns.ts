// The pulse event kernel's columns: events (one row per raw pulse) and intervals (one row per
// channel and interval). Meaning and units: assembly/pulse-events.ts (header) and ./reference.ts.
import type { ColumnSpec } from "../../wasm/column-batch.js";

/** Event columns, in layout order. */
export const PULSE_EVENT_COLUMNS = [
  ["interval", Uint32Array],
  ["t", Float64Array],
  ["onMs", Float64Array],
  ["reverse", Uint8Array],
] as const satisfies ColumnSpec<string>;

/** Interval inputs: the interval [startMs, endMs) and its debounce time. */
export const EVENT_INTERVAL_INPUTS = ["startMs", "endMs", "debounceMs"] as const;

/** Interval outputs: the inputs of the same name of the interval kernel (debounced: its debouncedIn). */
export const EVENT_INTERVAL_OUTPUTS = [
  "count", "debounced", "minOnMs", "minGapMs", "maxClosedMs", "reverseCount", "pulseFreeMaxMin", "spanMin",
] as const;

export type PulseEventColumnName = (typeof PULSE_EVENT_COLUMNS)[number][0];
export type EventIntervalInput = (typeof EVENT_INTERVAL_INPUTS)[number];
export type EventIntervalOutput = (typeof EVENT_INTERVAL_OUTPUTS)[number];
export type EventIntervalColumnName = EventIntervalInput | EventIntervalOutput;

/** Event columns, one element per raw pulse, sorted by interval, then time. */
export interface PulseEventColumns {
  /** Index of the event's interval in the interval columns. */
  readonly interval: Uint32Array;
  /** Leading edge, ms since the epoch (UTC); finite. */
  readonly t: Float64Array;
  /** On-time (contact closed / NAMUR high), ms; NaN = not measured. */
  readonly onMs: Float64Array;
  /** Non-zero: the direction input was reversed. */
  readonly reverse: Uint8Array;
}

/** Interval columns, one element per channel and interval. */
export type EventIntervalColumns = { readonly [K in EventIntervalColumnName]: Float64Array };

/** Interval columns in layout order. */
export const EVENT_INTERVAL_COLUMNS: ColumnSpec<EventIntervalColumnName> = [
  ...EVENT_INTERVAL_INPUTS.map((n) => [n, Float64Array] as const),
  ...EVENT_INTERVAL_OUTPUTS.map((n) => [n, Float64Array] as const),
];
