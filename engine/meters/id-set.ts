// The meter ids a registry file has claimed so far (the first row with an id claims it, later
// rows with it are `duplicate_meter_id`), kept as UTF-8 bytes in a RegistryTable's arena and
// found by their meterHash: no JS string and no Set entry per meter.
import { fnv } from "./registry-table.js";
import type { RegistryTable } from "./registry-table.js";

const utf8 = new TextEncoder();

export class IdSet {
  readonly #table: RegistryTable;
  /** Open addressing, two words a slot: the id's hash and its entry + 1 (0: empty); one cache line per probe. */
  #slots = new Int32Array(2 << 12);
  #start = new Int32Array(1 << 11);
  #end = new Int32Array(1 << 11);
  #count = 0;

  constructor(table: RegistryTable) {
    this.#table = table;
  }

  /**
   * Claims the id `bytes[start, end)` (meterHash `hash`): copies it into the table's arena and
   * returns where it starts there, or -1 when it was claimed before.
   */
  claim(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const slots = this.#slots;
    const mask = (slots.length >> 1) - 1;
    const n = end - start;
    const h = hash | 0;
    let slot = hash & mask;
    for (let entry = slots[2 * slot + 1]; entry !== 0; slot = (slot + 1) & mask, entry = slots[2 * slot + 1]) {
      if (slots[2 * slot] !== h) continue;
      const k = entry - 1;
      const at = this.#start[k];
      if (this.#end[k] - at !== n) continue;
      const arena = this.#table.arena;
      let i = 0;
      while (i < n && arena[at + i] === bytes[start + i]) i++;
      if (i === n) return -1;
    }
    const at = this.#table.addIdBytes(bytes, start, end);
    this.#add(h, at, at + n, slot);
    return at;
  }

  /**
   * The Set-like view toMeterRecord takes, for rows read as strings: `has` claims the id when it
   * is new (toMeterRecord adds every id it has just asked about, so `add` has nothing left to do).
   */
  strings(): { has(id: string): boolean; add(id: string): unknown } {
    return {
      has: (id) => {
        const bytes = utf8.encode(id);
        if (bytes.length !== id.length) this.#table.asciiIds = false;
        return this.claim(bytes, 0, bytes.length, fnv(bytes, 0, bytes.length)) < 0;
      },
      add: () => undefined,
    };
  }

  #add(hash: number, start: number, end: number, slot: number): void {
    const k = this.#count++;
    if (k === this.#start.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#start = grow(this.#start);
      this.#end = grow(this.#end);
    }
    this.#start[k] = start;
    this.#end[k] = end;
    this.#slots[2 * slot] = hash;
    this.#slots[2 * slot + 1] = k + 1;
    if (this.#count * 2 > this.#slots.length >> 1) this.#rehash();
  }

  #rehash(): void {
    const old = this.#slots;
    const slots = new Int32Array(old.length * 2);
    const mask = (slots.length >> 1) - 1;
    for (let o = 0; o < old.length; o += 2) {
      if (old[o + 1] === 0) continue;
      let slot = (old[o] >>> 0) & mask;
      while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = old[o];
      slots[2 * slot + 1] = old[o + 1];
    }
    this.#slots = slots;
  }
}
