// The meter ids a registry file has claimed so far (the first row with an id claims it, later
// rows with it are `duplicate_meter_id`), kept as UTF-8 bytes in a RegistryTable's arena: no JS
// string and no Set entry per meter. While the ids come in ascending byte order (registries are
// mostly exported sorted by id) an id is new when it is above the previous one and a repeat when
// equal to it: one comparison, no hash table (whose random probes into megabytes of slots cost a
// cache miss per meter). The first id out of order puts every id claimed so far into the table,
// found by meterHash from then on.
import { fnv } from "./registry-table.js";
import type { RegistryTable } from "./registry-table.js";


export class IdSet {
  readonly #table: RegistryTable;
  /** Open addressing, two words a slot: the id's hash and its entry + 1 (0: empty); one cache line per probe. */
  #slots = new Int32Array(2 << 12);
  #start = new Int32Array(1 << 11);
  #end = new Int32Array(1 << 11);
  #hashes = new Int32Array(1 << 11);
  #count = 0;
  /** Every id so far came in ascending order: the table is not filled yet. */
  #ascending = true;
  #lastStart = 0;
  #lastEnd = -1;

  /** `expected`: about how many ids will be claimed (room for them at once; more still fit). */
  constructor(table: RegistryTable, expected = 0) {
    this.#table = table;
    if (expected > this.#start.length) {
      this.#start = new Int32Array(expected);
      this.#end = new Int32Array(expected);
      this.#hashes = new Int32Array(expected);
    }
  }

  /**
   * Claims the id `bytes[start, end)` (meterHash `hash`): copies it into the table's arena and
   * returns where it starts there, or -1 when it was claimed before.
   */
  claim(bytes: Uint8Array, start: number, end: number, hash: number): number {
    if (this.#ascending) {
      const order = this.#lastEnd < 0 ? 1 : compareBytes(bytes, start, end, this.#table.arena, this.#lastStart, this.#lastEnd);
      if (order === 0) return -1;
      if (order > 0) {
        const at = this.#table.addIdBytes(bytes, start, end);
        this.#lastStart = at;
        this.#lastEnd = at + end - start;
        this.#append(hash | 0, at, this.#lastEnd);
        return at;
      }
      this.#ascending = false;
      this.#rehash(this.#count);
    }
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
    const k = this.#append(h, at, at + n);
    slots[2 * slot] = h;
    slots[2 * slot + 1] = k + 1;
    if (this.#count * 2 > slots.length >> 1) this.#rehash(this.#count);
    return at;
  }

  /**
   * The Set-like view toMeterRecord takes, for rows read as strings: `has` claims the id when it
   * is new (toMeterRecord adds every id it has just asked about, so `add` has nothing left to do).
   */
  strings(): { has(id: string): boolean; add(id: string): unknown } {
    // Each id's UTF-8 bytes in one scratch buffer (claim copies them): no array per id.
    let scratch = Buffer.allocUnsafe(256);
    return {
      has: (id) => {
        if (id.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(id.length * 3);
        const n = scratch.write(id, 0, "utf8");
        if (n !== id.length) this.#table.asciiIds = false;
        return this.claim(scratch, 0, n, fnv(scratch, 0, n)) < 0;
      },
      add: () => undefined,
    };
  }

  /** Records an entry (its hash, where its bytes are); returns its number. */
  #append(hash: number, start: number, end: number): number {
    const k = this.#count++;
    if (k === this.#start.length) {
      const grow = <T extends Int32Array>(a: T): T => {
        const b = new Int32Array(a.length * 2) as T;
        b.set(a);
        return b;
      };
      this.#start = grow(this.#start);
      this.#end = grow(this.#end);
      this.#hashes = grow(this.#hashes);
    }
    this.#start[k] = start;
    this.#end[k] = end;
    this.#hashes[k] = hash;
    return k;
  }

  /** Rebuilds the slots from every entry, with room for twice `count`. */
  #rehash(count: number): void {
    let size = this.#slots.length >> 1;
    while (count * 2 > size) size *= 2;
    const slots = new Int32Array(2 * size);
    const mask = size - 1;
    for (let k = 0; k < this.#count; k++) {
      let slot = (this.#hashes[k] >>> 0) & mask;
      while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = this.#hashes[k];
      slots[2 * slot + 1] = k + 1;
    }
    this.#slots = slots;
  }
}

/** memcmp order of `a[as, ae)` and `b[bs, be)` (SQLite's BINARY order of UTF-8 text): negative, 0 or positive. */
export function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = a[as + i] - b[bs + i];
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}
