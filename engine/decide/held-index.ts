// The held readings of the meters a run touches, to tell an exact re-send of a held reading (a
// duplicate: it changes nothing and is not held again) from a new value for that day. Only meters
// whose state counts held readings are read from the store, so a night without holds reads nothing.
import type { PartitionedStore } from "../store/contract.js";
import type { MeterIdColumn } from "../store/meter-table.js";
import type { MeterState } from "../store/state.js";

export class HeldIndex {
  readonly #store: PartitionedStore;
  readonly #state: MeterState;
  readonly #ids: MeterIdColumn;
  /** Per loaded meter: its held readings as "end:value:override" keys (heldKey). */
  readonly #held = new Map<number, Set<string>>();

  constructor(store: PartitionedStore, state: MeterState, ids: MeterIdColumn) {
    this.#store = store;
    this.#state = state;
    this.#ids = ids;
  }

  /** Whether `meter` has held readings not loaded yet (the store must be current to load them). */
  needsLoad(meter: number): boolean {
    return this.#state.heldCount[meter] > 0 && !this.#held.has(meter);
  }

  /** Loads the held readings of these meters from the store. */
  async load(meters: Iterable<number>): Promise<void> {
    const list = [...meters].filter((k) => !this.#held.has(k));
    if (list.length === 0) return;
    const keyOf = new Map(list.map((k) => [this.#ids.get(k), k]));
    const rows = await this.#store.readHeld([...keyOf.keys()]);
    for (const k of list) this.#held.set(k, new Set());
    for (const h of rows) this.#held.get(keyOf.get(h.meterId)!)!.add(heldKey(h.endDay, h.value, h.override));
  }

  /** Whether this exact reading (meter, end, value, override: NaN none) is held already. */
  has(meter: number, end: number, value: number, override: number): boolean {
    if (this.#state.heldCount[meter] === 0) return false;
    return this.#held.get(meter)?.has(heldKey(end, value, override)) ?? false;
  }

  /**
   * Remembers a reading held elsewhere whose count is already in the state (a slice decided on
   * its own): known when the meter's held readings are loaded, read from the store otherwise.
   */
  remember(meter: number, end: number, value: number, override: number): void {
    this.#held.get(meter)?.add(heldKey(end, value, override));
  }

  /** Whether any held reading of the meter is known here (without making its entries). */
  hasEntries(meter: number): boolean {
    return (this.#held.get(meter)?.size ?? 0) > 0;
  }

  /** The held readings loaded for a meter, as [end, value, override] triples (empty when not loaded). */
  entries(meter: number): Array<[number, number, number]> {
    return [...(this.#held.get(meter) ?? [])].map((k) => k.split(":").map(Number) as [number, number, number]);
  }

  /** Records a reading held now. */
  add(meter: number, end: number, value: number, override: number): void {
    this.#state.heldCount[meter]++;
    let set = this.#held.get(meter);
    if (set === undefined && this.#state.heldCount[meter] === 1) this.#held.set(meter, (set = new Set()));
    set?.add(heldKey(end, value, override));
  }
}

/**
 * A held reading's key: its day, value and override (NaN: none). A re-send with another override
 * is another reading, not a duplicate of the held one (a corrected override would be lost).
 */
export function heldKey(end: number, value: number, override: number): string {
  return `${end}:${value}:${override}`;
}

/** An unknown meter's held reading's key (DecideContext.unknownHeld): its id, and heldKey. */
export function unknownHeldKey(meterId: string, end: number, value: number, override: number): string {
  return `${meterId}:${heldKey(end, value, override)}`;
}
