// Held readings by meter, to tell an exact re-send of a held reading: (end, value, override)
// triples kept as numbers, a short list per meter. A string key per held reading cost a night
// that holds most of its readings ~1 s of its deciding thread per million and a string each for
// the whole run; a meter with many held readings gets a set of keys instead of the list.

/** Triples a meter keeps in its list before they move to a set (a lookup scans the list). */
const LIST_MAX = 32;

/** Equal as held readings compare: NaN (no override) equals NaN, 0 equals -0. */
const same = (a: number, b: number): boolean => a === b || (a !== a && b !== b);

/**
 * A held reading's key: its day, value and override (NaN: none). A re-send with another override
 * is another reading, not a duplicate of the held one (a corrected override would be lost).
 */
export function heldKey(end: number, value: number, override: number): string {
  return `${end}:${value}:${override}`;
}

/** The held readings of some meters (by key), as numbers. */
export class HeldReadings {
  /** Per meter: [end, value, override, ...] while short, then a set of heldKey strings. */
  readonly #byMeter = new Map<number, number[] | Set<string>>();

  /** Whether the meter has an entry (possibly empty: its held readings are known to be none). */
  knows(meter: number): boolean {
    return this.#byMeter.has(meter);
  }

  /** Marks the meter's held readings as known (none so far). */
  open(meter: number): void {
    if (!this.#byMeter.has(meter)) this.#byMeter.set(meter, []);
  }

  /** How many held readings are known of the meter. */
  count(meter: number): number {
    const held = this.#byMeter.get(meter);
    return held === undefined ? 0 : Array.isArray(held) ? held.length / 3 : held.size;
  }

  has(meter: number, end: number, value: number, override: number): boolean {
    const held = this.#byMeter.get(meter);
    if (held === undefined) return false;
    if (!Array.isArray(held)) return held.has(heldKey(end, value, override));
    for (let i = 0; i < held.length; i += 3) {
      if (held[i] === end && same(held[i + 1], value) && same(held[i + 2], override)) return true;
    }
    return false;
  }

  /** Adds a held reading of the meter (opening its entry). */
  add(meter: number, end: number, value: number, override: number): void {
    const held = this.#byMeter.get(meter);
    if (held === undefined) {
      this.#byMeter.set(meter, [end, value, override]);
    } else if (!Array.isArray(held)) {
      held.add(heldKey(end, value, override));
    } else if (!this.has(meter, end, value, override)) {
      if (held.length < LIST_MAX * 3) {
        held.push(end, value, override);
        return;
      }
      const keys = new Set<string>();
      for (let i = 0; i < held.length; i += 3) keys.add(heldKey(held[i], held[i + 1], held[i + 2]));
      keys.add(heldKey(end, value, override));
      this.#byMeter.set(meter, keys);
    }
  }

  /** The meter's held readings as [end, value, override] triples (empty when none are known). */
  entries(meter: number): Array<[number, number, number]> {
    const held = this.#byMeter.get(meter);
    if (held === undefined) return [];
    if (!Array.isArray(held)) return [...held].map((k) => k.split(":").map(Number) as [number, number, number]);
    const out: Array<[number, number, number]> = [];
    for (let i = 0; i < held.length; i += 3) out.push([held[i], held[i + 1], held[i + 2]]);
    return out;
  }
}
