// Meters whose registered type no loaded plugin defines. A registry row keeps the settings its
// type's defaults filled in when it was imported (a scaling factor, a pulse weight); when the
// type is gone (a plugin renamed or dropped it), those settings belong to a type nothing defines
// any more, so the meter's readings are held `unknown_meter_type` until the type is back (then
// a release judges them as new late readings under the type's rules: rejudge.ts). As at import
// (engine/registry), a plugin set without any meter type takes types as written: nothing is
// held then.
import { stringAt } from "../store/meter-table.js";
import type { CodedStrings, MeterTable } from "../store/meter-table.js";

/** The hold reason of a reading whose meter's registered type no loaded plugin defines. */
export const UNKNOWN_METER_TYPE = "unknown_meter_type";

const DEFINED = 1;
const UNDEFINED = 2;

/** The loaded plugins' meter types, checked against a meter table's coded types (once per distinct type). */
export class MeterTypeCheck {
  readonly #defined: ReadonlySet<string>;
  /** Per coded type list: per code, 0 not looked at yet, DEFINED or UNDEFINED. */
  readonly #known = new WeakMap<readonly string[], Uint8Array>();
  /** The last table's coded types and their states: a batch asks of one table, reading after reading. */
  #lastValues: readonly string[] | undefined;
  #last: Uint8Array = new Uint8Array(0);

  constructor(defined: Iterable<string>) {
    this.#defined = new Set(defined);
  }

  /** Whether meter `k` of `meters` has a type (not empty) that no loaded plugin defines. */
  undefinedAt(meters: MeterTable, k: number): boolean {
    const types: CodedStrings = meters.type;
    const code = types.codes[k];
    // The hot path (every kernel row): one comparison and one load.
    if (types.values === this.#lastValues && code < this.#last.length) {
      const state = this.#last[code];
      if (state !== 0) return state === UNDEFINED;
    }
    let known = this.#known.get(types.values);
    if (known === undefined || code >= known.length) {
      // Coded types only grow (store/meter-table.ts StringCodes): what was looked at stays right.
      const grown = new Uint8Array(Math.max(types.values.length, code + 1));
      if (known !== undefined) grown.set(known);
      this.#known.set(types.values, (known = grown));
    }
    let state = known[code];
    if (state === 0) {
      const name = stringAt(types, k);
      state = name === "" || name === undefined || this.#defined.has(name) ? DEFINED : UNDEFINED;
      known[code] = state;
    }
    this.#lastValues = types.values;
    this.#last = known;
    return state === UNDEFINED;
  }
}

/**
 * `reasons` with `unknown_meter_type` added when meter `meter`'s registered type is one no loaded
 * plugin defines (a release too: the operator lifts the rules' holds, not this one).
 */
export function withTypeHold(check: MeterTypeCheck | undefined, meters: MeterTable, meter: number, reasons: string): string {
  if (check === undefined || !check.undefinedAt(meters, meter)) return reasons;
  return reasons === "" ? UNKNOWN_METER_TYPE : `${reasons}|${UNKNOWN_METER_TYPE}`;
}
