// The in-memory slice a batch is decided on, as the lookups the decision reads: the ledger
// entries of the meters with late readings, their held readings, and where the flags the rules
// set are collected. Built from plain columns, so a slice can cross threads as buffers.
import type { HistoryEntries, HistoryEntry } from "../store/history.js";
import { entryAt } from "../store/history.js";
import type { MeterState } from "../store/state.js";
import { HeldReadings } from "./held-readings.js";
import type { FlagSink, HeldLookup, HistoryLookup } from "./output.js";

/** No held readings (a slice of meters without any). */
export function noHeld(): HeldColumns {
  return { length: 0, meter: new Int32Array(0), end: new Int32Array(0), value: new Float64Array(0), override: new Float64Array(0) };
}

/** Held readings as columns: meter (slice key), end day, value and override as it arrived. */
export interface HeldColumns {
  length: number;
  meter: Int32Array;
  end: Int32Array;
  value: Float64Array;
  /** NaN: none. */
  override: Float64Array;
}

/** The history of a slice: entries (latest version per day) grouped by meter, in day order. */
export class SliceHistory implements HistoryLookup {
  readonly #byMeter = new Map<number, HistoryEntry[]>();

  constructor(entries: HistoryEntries) {
    for (let i = 0; i < entries.length; i++) {
      const e = entryAt(entries, i);
      let list = this.#byMeter.get(e.meter);
      if (list === undefined) this.#byMeter.set(e.meter, (list = []));
      list.push(e);
    }
    for (const list of this.#byMeter.values()) list.sort((a, b) => a.end - b.end);
  }

  meter(meter: number): HistoryEntry[] {
    let list = this.#byMeter.get(meter);
    if (list === undefined) this.#byMeter.set(meter, (list = []));
    return list;
  }
}

/**
 * The held readings of a slice; `add` records one held while deciding (see `added`) and counts
 * it in the meter's state, as the runtime's held index does.
 */
export class SliceHeld implements HeldLookup {
  readonly #held = new HeldReadings();
  readonly #state: MeterState | undefined;
  readonly added: Array<{ meter: number; end: number; value: number; override: number }> = [];

  constructor(held: HeldColumns, state?: MeterState) {
    this.#state = state;
    for (let i = 0; i < held.length; i++) this.#held.add(held.meter[i], held.end[i], held.value[i], held.override[i]);
  }

  has(meter: number, end: number, value: number, override: number): boolean {
    return this.#held.has(meter, end, value, override);
  }

  entries(meter: number): Array<[number, number, number]> {
    return this.#held.entries(meter);
  }

  add(meter: number, end: number, value: number, override: number): void {
    if (this.#state !== undefined) this.#state.heldCount[meter]++;
    this.#held.add(meter, end, value, override);
    this.added.push({ meter, end, value, override });
  }
}

/** Collects the meters the rules flagged temp_bad while deciding. */
export class FlagList implements FlagSink {
  readonly meters: number[] = [];

  setByRun(meter: number): void {
    this.meters.push(meter);
  }
}
