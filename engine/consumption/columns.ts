// The consumption kernel's columns: names, element types and layout inside one region.

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

type ArrayCtor = Float64ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor;

/** Column order and element type; the order is the layout order inside a batch's region. */
export const COLUMNS: ReadonlyArray<readonly [ColumnName, ArrayCtor]> = [
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

/** Byte offset of each column for a batch of `capacity` rows, each aligned to 64 bytes. */
export function layout(capacity: number): { offsets: Record<ColumnName, number>; bytes: number } {
  const offsets = {} as Record<ColumnName, number>;
  let at = 0;
  for (const [name, ctor] of COLUMNS) {
    offsets[name] = at;
    at += Math.ceil((capacity * ctor.BYTES_PER_ELEMENT) / 64) * 64;
  }
  return { offsets, bytes: at };
}

/** Typed-array views of every column over `buffer`, the batch starting at byte `base`. */
export function views(buffer: ArrayBuffer, base: number, capacity: number, offsets: Record<ColumnName, number>): ConsumptionColumns {
  const out = {} as Record<ColumnName, unknown>;
  for (const [name, ctor] of COLUMNS) out[name] = new ctor(buffer, base + offsets[name], capacity);
  return out as unknown as ConsumptionColumns;
}
