// A readings message's meter ids as a MeterIndex, without interning them: publish writes each
// meter once in a message's id table, so the table's position is the meter's index and the rows'
// `meter` column is used as it came. No arena copy and no probe per id (interning a message's
// 20,000 new ids into a fresh index was most of a worker's decode); strings are made when asked
// for (idOf), the store's hash from the bytes (hashOf). A table that names an id twice (not what
// publish writes) is told by its hashes and refused, and the caller interns it the old way.
import { decodeId } from "../ingest/meter-index.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import { meterHash } from "../store/contract.js";

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;
const utf8 = new TextDecoder("utf-8");

export class WireMeterIndex implements MeterIndex {
  readonly #bytes: Uint8Array;
  readonly #ends: Int32Array;
  /** meterHash of each id (FNV-1a of its bytes, as an unsigned integer). */
  readonly #hashes: Uint32Array;
  #ids: Array<string | undefined>;
  /** Ids interned after the table's (never by a worker's decision), and the map that finds them. */
  #keyOf: Map<string, number> | undefined;

  private constructor(bytes: Uint8Array, ends: Int32Array, hashes: Uint32Array) {
    this.#bytes = bytes;
    this.#ends = ends;
    this.#hashes = hashes;
    this.#ids = new Array<string | undefined>(ends.length);
  }

  /** The index of a message's id table; undefined when the table names an id twice. */
  static of(bytes: Uint8Array, ends: Int32Array): WireMeterIndex | undefined {
    const n = ends.length;
    const hashes = new Uint32Array(n);
    for (let k = 0, at = 0; k < n; k++) {
      let h = FNV_OFFSET;
      const end = ends[k];
      for (; at < end; at++) h = Math.imul(h ^ bytes[at], FNV_PRIME);
      hashes[k] = h >>> 0;
    }
    // Distinct ids: a table of hashes (mixed before masking), bytes compared only when two agree.
    let size = 16;
    while (size < 2 * n) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let k = 0; k < n; k++) {
      const h = hashes[k];
      const mixed = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      let s = (mixed ^ (mixed >>> 13)) & mask;
      for (; slots[s] !== 0; s = (s + 1) & mask) {
        const other = slots[s] - 1;
        if (hashes[other] === h && same(bytes, ends, other, k)) return undefined;
      }
      slots[s] = k + 1;
    }
    return new WireMeterIndex(bytes, ends, hashes);
  }

  get size(): number {
    return this.#ids.length;
  }

  get spans(): { bytes: Uint8Array; ends: Int32Array; count: number } {
    return { bytes: this.#bytes, ends: this.#ends, count: this.#ends.length };
  }

  idOf(index: number): string {
    let id = this.#ids[index];
    if (id === undefined) this.#ids[index] = id = decodeId(this.#bytes, index === 0 ? 0 : this.#ends[index - 1], this.#ends[index]);
    return id;
  }

  hashOf(index: number): number {
    return index < this.#hashes.length ? this.#hashes[index] : meterHash(this.idOf(index));
  }

  intern(id: string): number {
    let keyOf = this.#keyOf;
    if (keyOf === undefined) {
      keyOf = this.#keyOf = new Map();
      for (let k = 0; k < this.#ids.length; k++) keyOf.set(this.idOf(k), k);
    }
    let k = keyOf.get(id);
    if (k === undefined) {
      keyOf.set(id, (k = this.#ids.length));
      this.#ids.push(id);
    }
    return k;
  }

  internBytes(buf: Uint8Array, start: number, end: number): number {
    return this.intern(utf8.decode(buf.subarray(start, end)));
  }
}

function same(bytes: Uint8Array, ends: Int32Array, a: number, b: number): boolean {
  const a0 = a === 0 ? 0 : ends[a - 1];
  const b0 = b === 0 ? 0 : ends[b - 1];
  const len = ends[a] - a0;
  if (ends[b] - b0 !== len) return false;
  for (let i = 0; i < len; i++) if (bytes[a0 + i] !== bytes[b0 + i]) return false;
  return true;
}
