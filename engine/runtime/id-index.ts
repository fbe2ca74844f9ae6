// The working set's meter ids by key: an open-addressing table of keys, probed by `meterHash`
// (the hash the bucket choice already uses) and confirmed by comparing ids only when the hashes
// agree. Inserting a million ids costs a hash and a few Int32 writes each, not a Map entry: no
// per-id allocation, and no string hashing by the engine (a sliced id string has no cached hash).
// Keys are indexed on the first lookup after they were loaded, not as they load: a run whose
// readings come with their registry slots (the decoding thread's, runtime/registry-slots.ts)
// never looks a meter up by id (loading the 4,096 buckets of a 1M-meter state in one process:
// 440-545 ms with the index filled as they load, 273-285 ms without).
import { meterHash } from "../store/contract.js";
import type { MeterIdColumn } from "../store/meter-table.js";

/**
 * The hash's bits mixed before the mask takes the low ones: a working set of one partition (a
 * worker's) holds ids whose meterHash agree modulo the partition count, which alone would put
 * them in a sixteenth of the slots, in long probe runs.
 */
function spread(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class IdIndex implements ReadonlyMap<string, number> {
  readonly #ids: MeterIdColumn;
  /** Per key: its id's meterHash. */
  #hashOf = new Uint32Array(1024);
  /** Slots: key + 1, 0 when empty. */
  #slots = new Int32Array(2048);
  #mask = 2047;
  /** Keys placed in the table: 0 .. placed - 1. */
  #placed = 0;
  /** Keys the index holds: 0 .. size - 1 (those from `placed` on are placed by the next lookup). */
  #size = 0;

  /** `ids` by key: the table reads ids from it (the working set's id column). */
  constructor(ids: MeterIdColumn) {
    this.#ids = ids;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Keys up to `size` - 1 are held from now on, their ids already at ids.get(key) (keys are added in
   * order: `size` only grows). They are hashed and placed by the next lookup.
   */
  extend(size: number): void {
    if (size > this.#size) this.#size = size;
  }

  /** Room for `n` keys without rehashing. */
  reserve(n: number): void {
    if (n > this.#hashOf.length) {
      const grown = new Uint32Array(n);
      grown.set(this.#hashOf);
      this.#hashOf = grown;
    }
    let capacity = this.#slots.length;
    while (capacity < 2 * n) capacity *= 2;
    if (capacity > this.#slots.length) this.#rehash(capacity);
  }

  /** The key of `id` whose meterHash is `hash`, or -1. */
  find(id: string, hash: number): number {
    if (this.#placed < this.#size) this.#placeLoaded();
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = spread(hash) & mask; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === 0) return -1;
      const k = s - 1;
      if (this.#hashOf[k] === hash && (this.#ids.equals !== undefined ? this.#ids.equals(k, id) : this.#ids.get(k) === id)) return k;
    }
  }

  /**
   * The key of the id whose UTF-8 bytes are `bytes[start, end)` and meterHash `hash`, or -1, with
   * no string made (ids that can compare bytes: MeterIds); undefined when the ids cannot.
   */
  findBytes(bytes: Uint8Array, start: number, end: number, hash: number): number | undefined {
    // find's probe, written out again: through one probe taking the comparison as a closure, a
    // worker's key resolution of 1M ids took a median 165 ms against 132 ms (three profiles each).
    const ids = this.#ids;
    if (ids.equalsBytes === undefined) return undefined;
    if (this.#placed < this.#size) this.#placeLoaded();
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = spread(hash) & mask; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === 0) return -1;
      const k = s - 1;
      if (this.#hashOf[k] === hash && ids.equalsBytes(k, bytes, start, end)) return k;
    }
  }

  get(id: string): number | undefined {
    const k = this.find(id, meterHash(id));
    return k < 0 ? undefined : k;
  }

  has(id: string): boolean {
    return this.find(id, meterHash(id)) >= 0;
  }

  /** Hashes and places the keys extend() added since the last lookup. */
  #placeLoaded(): void {
    const size = this.#size;
    this.reserve(size);
    const ids = this.#ids;
    const hashOf = this.#hashOf;
    for (let k = this.#placed; k < size; k++) {
      const hash = ids.hashOf !== undefined ? ids.hashOf(k) : meterHash(ids.get(k));
      hashOf[k] = hash;
      this.#place(k, hash);
    }
    this.#placed = size;
  }

  #place(key: number, hash: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = spread(hash) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = key + 1;
  }

  #rehash(capacity: number): void {
    this.#slots = new Int32Array(capacity);
    this.#mask = capacity - 1;
    for (let k = 0; k < this.#placed; k++) this.#place(k, this.#hashOf[k]);
  }

  *entries(): MapIterator<[string, number]> {
    for (let k = 0; k < this.#size; k++) yield [this.#ids.get(k), k];
  }

  *keys(): MapIterator<string> {
    for (let k = 0; k < this.#size; k++) yield this.#ids.get(k);
  }

  *values(): MapIterator<number> {
    for (let k = 0; k < this.#size; k++) yield k;
  }

  [Symbol.iterator](): MapIterator<[string, number]> {
    return this.entries();
  }

  forEach(fn: (value: number, key: string, map: ReadonlyMap<string, number>) => void): void {
    for (let k = 0; k < this.#size; k++) fn(k, this.#ids.get(k), this);
  }
}
