// The consumption kernel's columns: names, element types and layout inside one region.
import type { ColumnSpec } from "../wasm/column-batch.js";

/** Input and output columns of the consumption kernel, one element per reading. */
export interface ConsumptionColumns {
  /** Previous accepted reading; NaN when there is none (the reading is `initial`). */
  readonly prev: Float64Array;
  /** Current reading. */
  readonly cur: Float64Array;
  /** Scaling factor (1 when not configured). */
  readonly scale: Float64Array;
  /** Register value at which it wraps to 0; NaN when not configured. */
  readonly reset: Float64Array;
  /** Configured dial count; 0 infers it from the previous reading. */
  readonly digits: Uint8Array;
  /** Rollover mode: 0 documented, 1 modulus. */
  readonly mode: Uint8Array;
  /** Override consumption; NaN when absent. */
  readonly override: Float64Array;
  /** Day number of the previous reading's end. */
  readonly prevEnd: Int32Array;
  /** Day number of this reading's end. */
  readonly end: Int32Array;
  /** Output: consumption in the meter's unit. */
  readonly consumption: Float64Array;
  /** Output: flag bits (engine/flags). */
  readonly flags: Uint32Array;
  /** Output: day number of the period start (the day after the previous end). */
  readonly start: Int32Array;
  /** Output: days in the period, inclusive. */
  readonly days: Int32Array;
  /** Output: consumption per day. */
  readonly daily: Float64Array;
}

/** A column's name. */
export type ColumnName = keyof ConsumptionColumns;

/** Column order and element type; the order is the layout order inside a batch's region. */
export const COLUMNS: ColumnSpec<ColumnName> = [
  ["prev", Float64Array],
  ["cur", Float64Array],
  ["scale", Float64Array],
  ["reset", Float64Array],
  ["override", Float64Array],
  ["consumption", Float64Array],
  ["daily", Float64Array],
  ["prevEnd", Int32Array],
  ["end", Int32Array],
  ["flags", Uint32Array],
  ["start", Int32Array],
  ["days", Int32Array],
  ["digits", Uint8Array],
  ["mode", Uint8Array],
];
