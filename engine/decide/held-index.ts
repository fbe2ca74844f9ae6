// The held readings of the meters a run touches, to tell an exact re-send of a held reading (a
// duplicate: it changes nothing and is not held again) from a new value for that day. Only meters
// whose state counts held readings are read from the store, so a night without holds reads nothing.
import type { PartitionedStore } from "../store/contract.js";
import type { MeterIdColumn } from "../store/meter-table.js";
import type { MeterState } from "../store/state.js";
import { heldKey, HeldReadings } from "./held-readings.js";

export class HeldIndex {
  readonly #store: PartitionedStore;
  readonly #state: MeterState;
  readonly #ids: MeterIdColumn;
  /** Per loaded meter: its held readings (an empty entry: loaded, none). */
  readonly #held = new HeldReadings();

  constructor(store: PartitionedStore, state: MeterState, ids: MeterIdColumn) {
    this.#store = store;
    this.#state = state;
    this.#ids = ids;
  }

  /** Whether `meter` has held readings not loaded yet (the store must be current to load them). */
  needsLoad(meter: number): boolean {
    return this.#state.heldCount[meter] > 0 && !this.#held.knows(meter);
  }

  /** Loads the held readings of these meters from the store. */
  async load(meters: Iterable<number>): Promise<void> {
    const list = [...meters].filter((k) => !this.#held.knows(k));
    if (list.length === 0) return;
    const keyOf = new Map(list.map((k) => [this.#ids.get(k), k]));
    const rows = await this.#store.readHeld([...keyOf.keys()]);
    for (const k of list) this.#held.open(k);
    for (const h of rows) this.#held.add(keyOf.get(h.meterId)!, h.endDay, h.value, h.override);
  }

  /** Whether this exact reading (meter, end, value, override: NaN none) is held already. */
  has(meter: number, end: number, value: number, override: number): boolean {
    if (this.#state.heldCount[meter] === 0) return false;
    return this.#held.has(meter, end, value, override);
  }

  /**
   * Remembers a reading held elsewhere whose count is already in the state (a slice decided on
   * its own): known when the meter's held readings are loaded, read from the store otherwise.
   */
  remember(meter: number, end: number, value: number, override: number): void {
    if (this.#held.knows(meter)) this.#held.add(meter, end, value, override);
  }

  /** Whether any held reading of the meter is known here (without making its entries). */
  hasEntries(meter: number): boolean {
    return this.#held.count(meter) > 0;
  }

  /** The held readings loaded for a meter, as [end, value, override] triples (empty when not loaded). */
  entries(meter: number): Array<[number, number, number]> {
    return this.#held.entries(meter);
  }

  /** Records a reading held now. */
  add(meter: number, end: number, value: number, override: number): void {
    this.#state.heldCount[meter]++;
    // Known from here on when this is its first (its entry is complete), else only when loaded.
    if (this.#held.knows(meter) || this.#state.heldCount[meter] === 1) this.#held.add(meter, end, value, override);
  }
}

/** An unknown meter's held reading's key (DecideContext.unknownHeld): its id, and heldKey. */
export function unknownHeldKey(meterId: string, end: number, value: number, override: number): string {
  return `${meterId}:${heldKey(end, value, override)}`;
}
