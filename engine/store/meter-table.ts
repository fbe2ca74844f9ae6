// The registry as the decision reads it: columns by dense meter key (the working set's keys),
// one typed array per field, for the hot path.
/**
 * The registry as columns by meter key (dense, 0..size-1), for the hot path. A column, typed
 * array or string array, may be longer than `size` (a working set's capacity): keys from `size`
 * on hold nothing.
 */
export interface MeterTable {
  readonly size: number;
  /** Meter ids by key: `ids.get(k)`. */
  readonly ids: MeterIdColumn;
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
 * Meter ids by key. A working set keeps its ids as UTF-8 bytes and makes a string only when one
 * is asked for (runtime/meter-ids.ts): the decision names a meter only for a held reading, an
 * alert, a release or a row judged one by one. Other tables hold them in a list (IdList).
 */
export interface MeterIdColumn {
  /** The id of the meter with key `key`. */
  get(key: number): string;
  /** Optional, without making the string: meterHash of key `key`'s id. */
  hashOf?(key: number): number;
  /** Optional, without making the string: whether key `key`'s id is `id`. */
  equals?(key: number, id: string): boolean;
  /** Optional, without making a string: whether key `key`'s id is the UTF-8 `bytes[start, end)`. */
  equalsBytes?(key: number, bytes: Uint8Array, start: number, end: number): boolean;
}

/** Ids in a list, by key. */
export class IdList implements MeterIdColumn {
  constructor(readonly list: readonly string[]) {}

  get(key: number): string {
    return this.list[key];
  }
}

/** The ids of keys 0 .. size - 1 as a list (the list itself for an IdList). */
export function idsAsList(ids: MeterIdColumn, size: number): readonly string[] {
  if (ids instanceof IdList) return ids.list.length === size ? ids.list : ids.list.slice(0, size);
  return Array.from({ length: size }, (_, k) => ids.get(k));
}

/**
 * Strings with few distinct values (meter types, units) by meter key: key k's is
 * `values[codes[k]]`. A million meters' types are 4 MB of codes, not an 8 MB array of pointers
 * the collector traces (loading a 1M-meter working set, 4,096 buckets: 872-904 -> 832-867 ms).
 */
export interface CodedStrings {
  readonly values: readonly string[];
  readonly codes: Uint32Array;
}

/** Key `k`'s string. */
export function stringAt(c: CodedStrings, k: number): string {
  return c.values[c.codes[k]];
}

/** Strings coded as they come: each new value gets the next code (a working set's, as loads meet them). */
export class StringCodes implements CodedStrings {
  readonly values: string[] = [];
  codes: Uint32Array;
  readonly #codeOf = new Map<string, number>();

  constructor(codes = new Uint32Array(0)) {
    this.codes = codes;
  }

  /** Codes `strings[0, n)` into `codes` at keys `first` on (room there is the caller's). */
  put(first: number, strings: readonly string[], n: number): void {
    const codes = this.codes;
    // Neighbours mostly share a value (often one string): no Map lookup for a repeat.
    let last: string | undefined;
    let lastCode = 0;
    for (let i = 0; i < n; i++) {
      const s = strings[i];
      if (s !== last) {
        let code = this.#codeOf.get(s);
        if (code === undefined) {
          code = this.values.length;
          this.values.push(s);
          this.#codeOf.set(s, code);
        }
        last = s;
        lastCode = code;
      }
      codes[first + i] = lastCode;
    }
  }
}

/** `strings` coded, each distinct value once (in first-seen order). */
export function codeStrings(strings: readonly string[]): CodedStrings {
  const coded = new StringCodes(new Uint32Array(strings.length));
  coded.put(0, strings, strings.length);
  return { values: coded.values, codes: coded.codes };
}
