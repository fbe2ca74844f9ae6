// The registry as the decision reads it: columns by dense meter key (the working set's keys),
// one typed array per field, for the hot path.
/**
 * The registry as columns by meter key (dense, 0..size-1), for the hot path. A column, typed
 * array or string array, may be longer than `size` (a working set's capacity): keys from `size`
 * on hold nothing.
 */
export interface MeterTable {
  readonly size: number;
  readonly ids: readonly string[];
  readonly keyOf: ReadonlyMap<string, number>;
  readonly scale: Float64Array;
  /** NaN when none. */
  readonly reset: Float64Array;
  /** 0 when not configured. */
  readonly digits: Uint8Array;
  /** ROLLOVER_MODE code. */
  readonly mode: Uint8Array;
  readonly type: readonly string[];
  readonly unit: readonly string[];
  /** Pulse meters (NaN for register meters): units per pulse. */
  readonly pulseWeight: Float64Array;
  /** PULSE_INPUT code (engine/pulses/profiles.ts). */
  readonly pulseInput: Uint8Array;
  /** Nominal pulse width ms, Qmax units/h, no-pulse days, debounce ms; NaN when not configured. */
  readonly pulseWidthMs: Float64Array;
  readonly qmax: Float64Array;
  readonly noPulseDays: Float64Array;
  readonly debounceMs: Float64Array;
  /** The registry's baseline (`last_reading`, `last_end`): NaN / NO_DAY when none. */
  readonly baseValue: Float64Array;
  readonly baseEnd: Int32Array;
}
