// Interns meter ids to dense indices for one run, straight from bytes: a decoder hashes the
// id's bytes and creates a string only when one is asked for (idOf). The hash is FNV-1a over
// the id's UTF-8 bytes, the store's meterHash, so a meter's bucket needs no string either.
import { meterHash } from "../store/contract.js";

/** Maps meter ids to dense indices 0..size-1 and back. */
export interface MeterIndex {
  /** Distinct meter ids seen so far. */
  readonly size: number;
  /** The index of an id given as bytes `buf[start, end)` (UTF-8), interning it when new. */
  internBytes(buf: Uint8Array, start: number, end: number): number;
  /**
   * The indices of the ids given as bytes `buf[starts[j], ends[j])`, j < count, into `out`: what
   * internBytes gives called on each in turn (the same indices, in the same order), when the
   * index can take them at once.
   */
  internSpans?(buf: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, out: Int32Array): void;
  /** The index of an id given as a string, interning it when new. */
  intern(id: string): number;
  /** The meter id of an index. */
  idOf(index: number): string;
  /** `meterHash(idOf(index))`, when the index can give it without creating the string. */
  hashOf?(index: number): number;
  /**
   * The UTF-8 bytes of ids [0, count), when the index holds them one after another (a readings
   * message's id table): id k is `bytes[k === 0 ? 0 : ends[k - 1], ends[k])`.
   */
  readonly spans?: { readonly bytes: Uint8Array; readonly ends: Int32Array; readonly count: number };
  /**
   * The UTF-8 bytes of the ids of `indices[0, count)` joined by "\n" (what
   * `new TextEncoder().encode(ids.join("\n"))` gives), when the index holds the bytes.
   */
  joinedIds?(indices: Int32Array, count: number): Uint8Array;
  /** The length in bytes of an id as decoded, when the index holds the bytes (with copyId). */
  idLength?(index: number): number;
  /** Copies an id's bytes as decoded into `out` at `at`; returns the offset after them. */
  copyId?(index: number, out: Uint8Array, at: number): number;
}

/**
 * An index's ids as it holds them, in shared memory (createMeterIndex's `shared`), for another
 * thread to read without a copy: ids [0, count), id i's UTF-8 bytes `arena[offsets[i],
 * offsets[i + 1])` and its meterHash `hashes[i] >>> 0`; ids from `from` on are new since the last
 * look. The index writes only past `count`, and moves to larger memory when full: these views
 * stay valid for the ids they cover.
 */
export interface SharedIds {
  from: number;
  count: number;
  arena: Uint8Array;
  offsets: Int32Array;
  hashes: Int32Array;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;
const INITIAL_SLOTS = 1024;
const INITIAL_ARENA = 16384;
/** Bytes an id is guessed to take, for an index told how many ids to expect. */
const ID_BYTES_GUESS = 16;

const utf8 = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/**
 * The hash's bits mixed before the table's mask takes the low ones: the ids of one partition or
 * bucket (a worker's message) share meterHash's low bits (partition = hash % P), which alone
 * put them in a sixteenth of the slots, in long probe runs.
 */
function spread(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/**
 * A MeterIndex backed by an open-addressing hash table (FNV-1a over the id's UTF-8 bytes,
 * linear probing). Slots are two Int32 words, index + 1 and hash, so the table stays small
 * enough for the CPU caches with hundreds of thousands of meters (measured: 16-byte slots made
 * lookups 3x slower at 200k meters). Each id's bytes are copied once into an arena, in first-seen
 * order, and compared on a hash hit; its string is created when it is first seen. `intern(s)`
 * and `internBytes` of `s`'s UTF-8 bytes give the same index. Grows by doubling, so it holds
 * millions of ids. Bytes that are not valid UTF-8 are interned as given; their `idOf` string
 * carries U+FFFD where the bytes were invalid.
 */
export function createMeterIndex(expected = 0, options: { shared?: boolean } = {}):
  MeterIndex & { sharedIds(from: number): SharedIds; matches(index: number, buf: Uint8Array, start: number, end: number): boolean } {
  return new HashMeterIndex(expected, options.shared === true);
}

/**
 * A guess at the distinct meters of a readings file of `bytes` bytes, for createMeterIndex: one
 * per 32 bytes (a nightly CSV line is about 28), at most 1M. Grown from 1,024 slots, a table of
 * a million ids is rehashed ten times (0.17 s of the decoding thread's 1.3 s on the nightly
 * shape); a guess too high (a file of many readings per meter) costs 24 bytes per meter guessed,
 * hence the cap: a bigger fleet grows the table past it.
 */
export function expectedMeters(bytes: number): number {
  return Math.min(Math.floor(bytes / 32), 1 << 20);
}

/** A typed array of `n` elements, in shared memory when `shared`. */
function allocate<T extends Uint8Array | Int32Array>(ctor: { new (b: ArrayBufferLike): T; BYTES_PER_ELEMENT: number }, n: number, shared: boolean): T {
  const bytes = n * ctor.BYTES_PER_ELEMENT;
  return new ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

class HashMeterIndex implements MeterIndex {
  private count = 0;
  /** The index the last lookup found, -1 before the first. */
  private last = -1;
  /** Per slot: index + 1 (0 = empty), hash. */
  private slots: Int32Array = new Int32Array(INITIAL_SLOTS * 2);
  private mask = INITIAL_SLOTS - 1;
  /** Per index: arena offset of its bytes; the length is the next offset minus this one. */
  private offsets: Int32Array = new Int32Array(INITIAL_SLOTS / 2 + 1);
  private arena: Uint8Array = new Uint8Array(INITIAL_ARENA);
  /** Per index: meterHash of its id (hashOf), taken when it is interned. */
  private hashes: Int32Array = new Int32Array(INITIAL_SLOTS / 2 + 1);
  /** Strings made so far (idOf), by index; holes until asked for. */
  private ids: Array<string | undefined> = [];
  private joined: Uint8Array = new Uint8Array(4096);
  private scratch: Uint8Array = new Uint8Array(256);
  /** internSpans: the spans' hashes, and whether its last call found most ids by the sequential guess. */
  private spanHashes: Int32Array = new Int32Array(256);
  private guessed = false;
  /** Where internSpans' touching loads go (kept, so they are not optimised away). */
  private touched = 0;

  /** Ids, offsets and hashes in SharedArrayBuffers (sharedIds). */
  private readonly shared: boolean;

  constructor(expected: number, shared: boolean) {
    this.shared = shared;
    if (shared) {
      this.offsets = allocate(Int32Array, this.offsets.length, true);
      this.hashes = allocate(Int32Array, this.hashes.length, true);
      this.arena = allocate(Uint8Array, this.arena.length, true);
    }
    if (expected <= INITIAL_SLOTS / 2) return;
    // Load factor at most 1/2 with `expected` ids: no rehash until they are all in.
    let slots = INITIAL_SLOTS;
    while (slots < 2 * expected) slots *= 2;
    this.slots = new Int32Array(slots * 2);
    this.mask = slots - 1;
    this.offsets = allocate(Int32Array, expected + 1, shared);
    this.hashes = allocate(Int32Array, expected + 1, shared);
    // And their bytes: grown from 16 KiB, a million ids' arena was copied ten times on the
    // decoding thread (~40 ms of the nightly's path to its first batch). Room for 16 bytes an id
    // costs address space where ids are shorter: pages never written are never mapped.
    this.arena = allocate(Uint8Array, expected * ID_BYTES_GUESS, shared);
  }

  get size(): number {
    return this.count;
  }

  internBytes(buf: Uint8Array, start: number, end: number): number {
    // Files list meters in a repeating order (per day) or grouped (per meter): try the id after
    // the last one found, then the last one, before hashing. These compares read the arena
    // sequentially; a hash probe is a cache miss once the table outgrows the CPU cache.
    const last = this.last;
    if (last + 1 < this.count && this.equals(last + 1, buf, start, end)) return (this.last = last + 1);
    if (last >= 0 && this.equals(last, buf, start, end)) return last;
    const index = this.lookup(buf, start, end);
    this.last = index;
    return index;
  }

  internSpans(buf: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, out: Int32Array): void {
    // A new id's probe is a cache miss once the table outgrows the CPU caches (a million ids: 16
    // MB of slots); one probe per CSV record, between the tokenizer's work, waited ~150 ns each
    // on the nightly shape, 44% of decoding. Here the spans are hashed first and their first slots
    // loaded back to back, so the misses overlap; then each is interned as internBytes would.
    // Skipped while most ids come in the order seen before (a backlog's later days), which
    // internBytes' guess finds without a hash.
    const hashes = this.spanHashes.length >= count ? this.spanHashes : (this.spanHashes = new Int32Array(count));
    const hashed = !this.guessed;
    // (Each loop before the interning one is a function of its own: compiled on the spot inside
    // this one, the code after it, not run by then, left the compiled code, --trace-deopt.)
    if (hashed) {
      hashSpans(buf, starts, ends, count, hashes);
      this.touched = touchSlots(this.slots, this.mask, hashes, count);
    }
    let guesses = 0;
    for (let j = 0; j < count; j++) {
      const start = starts[j];
      const end = ends[j];
      const last = this.last;
      if (last + 1 < this.count && this.equals(last + 1, buf, start, end)) {
        out[j] = this.last = last + 1;
        guesses++;
      } else if (last >= 0 && this.equals(last, buf, start, end)) {
        out[j] = last;
        guesses++;
      } else {
        out[j] = this.last = hashed ? this.lookupHashed(buf, start, end, hashes[j]) : this.lookup(buf, start, end);
      }
    }
    this.guessed = guesses * 2 > count;
  }

  /** Whether id `index`'s bytes are `buf[start, end)`. */
  matches(index: number, buf: Uint8Array, start: number, end: number): boolean {
    return this.equals(index, buf, start, end);
  }

  private equals(index: number, buf: Uint8Array, start: number, end: number): boolean {
    const offsets = this.offsets;
    const from = offsets[index];
    if (offsets[index + 1] - from !== end - start) return false;
    const arena = this.arena;
    const shift = from - start;
    let i = start;
    while (i < end && arena[i + shift] === buf[i]) i++;
    return i === end;
  }

  private lookup(buf: Uint8Array, start: number, end: number): number {
    let h = FNV_OFFSET;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
    return this.lookupHashed(buf, start, end, h);
  }

  /** lookup with the id's FNV-1a `h` already taken. */
  private lookupHashed(buf: Uint8Array, start: number, end: number, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let s = spread(h) & mask;
    for (;;) {
      const entry = slots[s << 1];
      if (entry === 0) break;
      if (slots[(s << 1) + 1] === h && this.equals(entry - 1, buf, start, end)) return entry - 1;
      s = (s + 1) & mask;
    }
    return this.insert(buf, start, end, h, s);
  }

  intern(id: string): number {
    const n = id.length;
    if (n <= 64) {
      // ASCII ids (the common case) are their own UTF-8 bytes: copy the codes, skipping
      // encodeInto's call cost.
      if (this.scratch.length < n) this.scratch = new Uint8Array(256);
      const scratch = this.scratch;
      let i = 0;
      while (i < n) {
        const c = id.charCodeAt(i);
        if (c >= 0x80) break;
        scratch[i++] = c;
      }
      if (i === n) return this.internBytes(scratch, 0, n);
    }
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (this.scratch.length < n * 3) this.scratch = new Uint8Array(n * 3);
    const { written } = encoder.encodeInto(id, this.scratch);
    return this.internBytes(this.scratch, 0, written);
  }

  idOf(index: number): string {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`meter index ${index} out of range`);
    let id = this.ids[index];
    if (id === undefined) {
      while (this.ids.length < index) this.ids.push(undefined);
      this.ids[index] = id = decodeId(this.arena, this.offsets[index], this.offsets[index + 1]);
    }
    return id;
  }

  hashOf(index: number): number {
    return this.hashes[index] >>> 0;
  }

  idLength(index: number): number {
    return this.offsets[index + 1] - this.offsets[index];
  }

  copyId(index: number, out: Uint8Array, at: number): number {
    const arena = this.arena;
    for (let i = this.offsets[index], to = this.offsets[index + 1]; i < to; i++) out[at++] = arena[i];
    return at;
  }

  joinedIds(indices: Int32Array, count: number): Uint8Array {
    const offsets = this.offsets;
    const arena = this.arena;
    let size = 0;
    for (let j = 0; j < count; j++) size += offsets[indices[j] + 1] - offsets[indices[j]] + 1;
    if (this.joined.length < size) this.joined = new Uint8Array(size * 2);
    let out = this.joined;
    let at = 0;
    for (let j = 0; j < count; j++) {
      const m = indices[j];
      if (j > 0) out[at++] = 0x0a;
      const from = offsets[m];
      const to = offsets[m + 1];
      let ascii = true;
      for (let i = from; i < to; i++) {
        const c = arena[i];
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        out[at + i - from] = c;
      }
      if (ascii) {
        at += to - from;
        continue;
      }
      const bytes = encoder.encode(this.idOf(m));
      if (out.length < at + bytes.length + size) {
        const grown = new Uint8Array((at + bytes.length + size) * 2);
        grown.set(out.subarray(0, at));
        this.joined = out = grown;
      }
      out.set(bytes, at);
      at += bytes.length;
    }
    return out.subarray(0, at);
  }

  /** The ids as held now, ids from `from` on new (views, not copies: shared memory with `shared`). */
  sharedIds(from: number): SharedIds {
    return { from, count: this.count, arena: this.arena, offsets: this.offsets, hashes: this.hashes };
  }

  private insert(buf: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const index = this.count;
    const len = end - start;
    if (index + 1 === this.offsets.length) {
      const offsets = allocate(Int32Array, this.offsets.length * 2, this.shared);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const hashes = allocate(Int32Array, this.offsets.length, this.shared);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    const from = this.offsets[index];
    if (from + len > this.arena.length) this.growArena(from + len);
    // Ids are short: a loop copies them without a subarray per id, and sees whether they are ASCII.
    const arena = this.arena;
    let high = 0;
    for (let i = start, to = from; i < end; i++, to++) {
      const c = buf[i];
      high |= c;
      arena[to] = c;
    }
    this.offsets[index + 1] = from + len;
    this.slots[slot << 1] = index + 1;
    this.slots[(slot << 1) + 1] = hash;
    this.count = index + 1;
    // meterHash is FNV-1a over the UTF-8 bytes of the id's string: the bytes' own hash when they
    // are ASCII; other bytes may not be valid UTF-8, so the id is hashed as its decoded string.
    this.hashes[index] = high < 0x80 ? hash : meterHash(this.idOf(index));
    // Keep the load factor at or below 1/2.
    if (this.count * 2 > this.mask + 1) this.rehash();
    return index;
  }

  private growArena(needed: number): void {
    let n = this.arena.length * 2;
    while (n < needed) n *= 2;
    const arena = allocate(Uint8Array, n, this.shared);
    arena.set(this.arena.subarray(0, this.offsets[this.count]));
    this.arena = arena;
  }

  private rehash(): void {
    const old = this.slots;
    const count = (this.mask + 1) * 2;
    const slots = new Int32Array(count * 2);
    const mask = count - 1;
    for (let from = 0; from < old.length; from += 2) {
      if (old[from] === 0) continue;
      let s = spread(old[from + 1]) & mask;
      while (slots[s << 1] !== 0) s = (s + 1) & mask;
      slots[s << 1] = old[from];
      slots[(s << 1) + 1] = old[from + 1];
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** A string from UTF-8 bytes; short ASCII ids (the common case) skip TextDecoder's call cost. */
export function decodeId(buf: Uint8Array, start: number, end: number): string {
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

/** Each span's FNV-1a hash. */
function hashSpans(buf: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, hashes: Int32Array): void {
  for (let j = 0; j < count; j++) {
    let h = FNV_OFFSET;
    for (let i = starts[j], end = ends[j]; i < end; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
    hashes[j] = h;
  }
}

/** Loads each hash's first slot, back to back (the misses overlap); returns them or-ed, to be kept. */
function touchSlots(slots: Int32Array, mask: number, hashes: Int32Array, count: number): number {
  let touched = 0;
  for (let j = 0; j < count; j++) touched |= slots[(spread(hashes[j]) & mask) << 1];
  return touched;
}
