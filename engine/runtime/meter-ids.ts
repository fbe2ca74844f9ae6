// The working set's meter ids by key, kept as their UTF-8 bytes one after another (as the
// registry BLOBs hold them), a string made only when one is asked for, then kept. A nightly run
// bills every meter of a million by copying its id's bytes into the billing rows and names a
// meter by string only for a held reading, an alert or a flag: a million id strings made while
// the buckets loaded, and copied by the collector from the young generation to the old, cost
// ~250 ms of the deciding thread (loading the 4,096 buckets of a 1M-meter state, three runs
// each: 588-713 ms with strings, 330-362 ms without).
import { fnv } from "../meters/registry-table.js";
import type { MeterIdColumn } from "../store/meter-table.js";

const utf8 = new TextDecoder();

export class MeterIds implements MeterIdColumn {
  /** The ids' bytes, key after key. */
  #bytes: Uint8Array = new Uint8Array(16 * 1024);
  /** Per key: where its bytes end (key k's start where key k - 1's end; key 0's at 0). */
  #end: Int32Array = new Int32Array(1024);
  #size = 0;
  /** The strings asked for so far, by key. */
  #strings: string[] = [];

  /**
   * Ids over `bytes` and `ends` as they are, nothing copied: a slice's ids handed to a decision
   * thread (engine/pool/transfer.ts). The arrays are the ids' own from then on.
   */
  static over(bytes: Uint8Array, ends: Int32Array, size = ends.length): MeterIds {
    const ids = new MeterIds();
    ids.#bytes = bytes;
    ids.#end = ends;
    ids.#size = size;
    return ids;
  }

  /**
   * The ids of `keys[0 .. n)`, in that order, as new ids of their own (a batch's slice, cut for a
   * decision thread): their bytes copied, no string made.
   */
  gather(keys: Int32Array, n = keys.length): MeterIds {
    let total = 0;
    for (let l = 0; l < n; l++) total += this.byteLength(keys[l]);
    const bytes = new Uint8Array(total);
    const ends = new Int32Array(n);
    for (let l = 0, at = 0; l < n; l++) ends[l] = at = this.copyTo(keys[l], bytes, at);
    return MeterIds.over(bytes, ends, n);
  }

  /** The ids' bytes and ends as views (valid until the next append): what crosses to a thread. */
  packed(): { bytes: Uint8Array; ends: Int32Array } {
    return { bytes: this.#bytes.subarray(0, this.#used()), ends: this.#end.subarray(0, this.#size) };
  }

  /** Ids held: keys 0 .. size - 1. */
  get size(): number {
    return this.#size;
  }

  /** Room for `keys` ids of `bytes` bytes in all, so loading that many copies each array once. */
  reserve(keys: number, bytes: number): void {
    if (keys > this.#end.length) {
      const end = new Int32Array(keys);
      end.set(this.#end.subarray(0, this.#size));
      this.#end = end;
    }
    const used = this.#used();
    if (bytes > this.#bytes.length) {
      const next = new Uint8Array(bytes);
      next.set(this.#bytes.subarray(0, used));
      this.#bytes = next;
    }
  }

  /**
   * Appends `n` ids as the next keys: id `i` is `text[i == 0 ? 0 : ends[i - 1], ends[i])` (a
   * registry BLOB's ids, decodeRegistry with idBytes).
   */
  append(text: Uint8Array, ends: Int32Array, n: number): void {
    const used = this.#used();
    const bytes = n === 0 ? 0 : ends[n - 1];
    const size = this.#size;
    if (size + n > this.#end.length || used + bytes > this.#bytes.length) {
      this.reserve(Math.max(size + n, this.#end.length * 2), Math.max(used + bytes, this.#bytes.length * 2));
    }
    this.#bytes.set(text.subarray(0, bytes), used);
    const end = this.#end;
    for (let i = 0; i < n; i++) end[size + i] = used + ends[i];
    this.#size = size + n;
  }

  /** The id of key `key` (a string made on first ask, then kept). */
  get(key: number): string {
    let id = this.#strings[key];
    if (id === undefined) {
      const start = key === 0 ? 0 : this.#end[key - 1];
      id = utf8.decode(this.#bytes.subarray(start, this.#end[key]));
      this.#strings[key] = id;
    }
    return id;
  }

  /** meterHash of key `key`'s id (FNV-1a over its UTF-8 bytes, store/contract.ts), without a string. */
  hashOf(key: number): number {
    return fnv(this.#bytes, key === 0 ? 0 : this.#end[key - 1], this.#end[key]);
  }

  /** Whether key `key`'s id is `id`: its bytes compared with an ASCII id, else its string. */
  equals(key: number, id: string): boolean {
    const start = key === 0 ? 0 : this.#end[key - 1];
    const n = this.#end[key] - start;
    const cached = this.#strings[key];
    if (cached !== undefined) return cached === id;
    if (n !== id.length) return n >= id.length && n <= 4 * id.length && this.get(key) === id;
    const bytes = this.#bytes;
    for (let i = 0; i < n; i++) {
      const c = id.charCodeAt(i);
      if (c > 0x7f) return this.get(key) === id;
      if (bytes[start + i] !== c) return false;
    }
    return true;
  }

  /** Whether key `key`'s id is the UTF-8 `other[start, end)`. */
  equalsBytes(key: number, other: Uint8Array, start: number, end: number): boolean {
    const from = key === 0 ? 0 : this.#end[key - 1];
    if (this.#end[key] - from !== end - start) return false;
    const bytes = this.#bytes;
    for (let i = 0; i < end - start; i++) if (bytes[from + i] !== other[start + i]) return false;
    return true;
  }

  /** The bytes of key `key`'s id and where they are: `bytes[start, end)` (valid until the next append). */
  bytesOf(key: number): { bytes: Uint8Array; start: number; end: number } {
    return { bytes: this.#bytes, start: key === 0 ? 0 : this.#end[key - 1], end: this.#end[key] };
  }

  /** Copies key `key`'s id bytes into `into` at `at`; returns where they end. `into` must have room. */
  copyTo(key: number, into: Uint8Array, at: number): number {
    const start = key === 0 ? 0 : this.#end[key - 1];
    const end = this.#end[key];
    const bytes = this.#bytes;
    // Ids are short: a loop beats a subarray and set per id.
    for (let b = start; b < end; b++) into[at++] = bytes[b];
    return at;
  }

  /** Bytes of key `key`'s id. */
  byteLength(key: number): number {
    return this.#end[key] - (key === 0 ? 0 : this.#end[key - 1]);
  }

  #used(): number {
    return this.#size === 0 ? 0 : this.#end[this.#size - 1];
  }
}
