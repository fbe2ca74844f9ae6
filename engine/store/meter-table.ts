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
  /** Meter type and unit by key, coded: `stringAt(type, k)`. */
  readonly type: CodedStrings;
  readonly unit: CodedStrings;
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

/**
 * Strings with few distinct values (meter types, units) by meter key: key k's is
 * `values[codes[k]]`. A million meters' types are 4 MB of codes, not an 8 MB array of pointers
 * the collector traces (loading a 1M-meter working set: 896-944 -> 848-886 ms).
 */
export interface CodedStrings {
  readonly values: readonly string[];
  readonly codes: Uint32Array;
}

/** Key `k`'s string. */
export function stringAt(c: CodedStrings, k: number): string {
  return c.values[c.codes[k]];
}

/** `strings` coded, each distinct value once (in first-seen order). */
export function codeStrings(strings: readonly string[]): CodedStrings {
  const index = new Map<string, number>();
  const codes = new Uint32Array(strings.length);
  // Neighbours mostly share a value (often one string): no Map lookup for a repeat.
  let last: string | undefined;
  let lastCode = 0;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    if (s !== last) {
      let c = index.get(s);
      if (c === undefined) index.set(s, (c = index.size));
      last = s;
      lastCode = c;
    }
    codes[i] = lastCode;
  }
  return { values: [...index.keys()], codes };
}
