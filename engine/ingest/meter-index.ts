// Interns meter ids to dense indices for one run, straight from bytes: a decoder hashes the
// id's bytes and only creates a string the first time an id is seen.

/** Maps meter ids to dense indices 0..size-1 and back. */
export interface MeterIndex {
  /** Distinct meter ids seen so far. */
  readonly size: number;
  /** The index of an id given as bytes `buf[start, end)` (UTF-8), interning it when new. */
  internBytes(buf: Uint8Array, start: number, end: number): number;
  /** The index of an id given as a string, interning it when new. */
  intern(id: string): number;
  /** The meter id of an index. */
  idOf(index: number): string;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;
const INITIAL_SLOTS = 1024;
const INITIAL_ARENA = 16384;

const utf8 = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/**
 * A MeterIndex backed by an open-addressing hash table (FNV-1a over the id's UTF-8 bytes,
 * linear probing, Int32Array slots). Each id's bytes are copied once into an arena and compared
 * on a hash hit; its string is created when the id is first seen. `intern(s)` and
 * `internBytes` of `s`'s UTF-8 bytes give the same index. Grows by doubling, so it holds
 * millions of ids. Bytes that are not valid UTF-8 are interned as given; their `idOf` string
 * carries U+FFFD where the bytes were invalid.
 */
export function createMeterIndex(): MeterIndex {
  return new HashMeterIndex();
}

class HashMeterIndex implements MeterIndex {
  #size = 0;
  /** Slot -> index + 1 (0 = empty). Length is a power of two. */
  #slots: Int32Array = new Int32Array(INITIAL_SLOTS);
  #mask = INITIAL_SLOTS - 1;
  /** Per index: hash, byte offset and byte length in the arena. */
  #hashes: Int32Array = new Int32Array(INITIAL_SLOTS >>> 1);
  #offsets: Int32Array = new Int32Array(INITIAL_SLOTS >>> 1);
  #lengths: Int32Array = new Int32Array(INITIAL_SLOTS >>> 1);
  #arena: Uint8Array = new Uint8Array(INITIAL_ARENA);
  #arenaUsed = 0;
  #ids: string[] = [];
  #scratch: Uint8Array = new Uint8Array(256);

  get size(): number {
    return this.#size;
  }

  internBytes(buf: Uint8Array, start: number, end: number): number {
    let h = FNV_OFFSET;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
    const len = end - start;
    const slots = this.#slots;
    const mask = this.#mask;
    const hashes = this.#hashes;
    const offsets = this.#offsets;
    const lengths = this.#lengths;
    const arena = this.#arena;
    let s = h & mask;
    for (;;) {
      const entry = slots[s];
      if (entry === 0) break;
      const index = entry - 1;
      if (hashes[index] === h && lengths[index] === len) {
        const off = offsets[index] - start;
        let i = start;
        while (i < end && arena[i + off] === buf[i]) i++;
        if (i === end) return index;
      }
      s = (s + 1) & mask;
    }
    return this.#insert(buf, start, end, h, s);
  }

  intern(id: string): number {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (this.#scratch.length < id.length * 3) this.#scratch = new Uint8Array(id.length * 3);
    const { written } = encoder.encodeInto(id, this.#scratch);
    return this.internBytes(this.#scratch, 0, written);
  }

  idOf(index: number): string {
    if (!(index >= 0 && index < this.#size)) throw new RangeError(`meter index ${index} out of range`);
    return this.#ids[index];
  }

  #insert(buf: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const index = this.#size;
    const len = end - start;
    if (index === this.#hashes.length) this.#growEntries();
    if (this.#arenaUsed + len > this.#arena.length) this.#growArena(len);
    const offset = this.#arenaUsed;
    this.#arena.set(buf.subarray(start, end), offset);
    this.#arenaUsed += len;
    this.#hashes[index] = hash;
    this.#offsets[index] = offset;
    this.#lengths[index] = len;
    this.#ids.push(decode(this.#arena, offset, offset + len));
    this.#slots[slot] = index + 1;
    this.#size = index + 1;
    // Keep the load factor at or below 1/2.
    if (this.#size * 2 > this.#slots.length) this.#rehash();
    return index;
  }

  #growEntries(): void {
    const n = this.#hashes.length * 2;
    this.#hashes = grown(this.#hashes, n);
    this.#offsets = grown(this.#offsets, n);
    this.#lengths = grown(this.#lengths, n);
  }

  #growArena(needed: number): void {
    let n = this.#arena.length * 2;
    while (n < this.#arenaUsed + needed) n *= 2;
    const arena = new Uint8Array(n);
    arena.set(this.#arena.subarray(0, this.#arenaUsed));
    this.#arena = arena;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    const hashes = this.#hashes;
    for (let index = 0; index < this.#size; index++) {
      let s = hashes[index] & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = index + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

function grown(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** A string from UTF-8 bytes; short ASCII ids (the common case) skip TextDecoder's call cost. */
function decode(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(buf.subarray(start, end));
}
