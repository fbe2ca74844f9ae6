// Registry keys of a batch's meters. A batch routed by the decoding thread carries each row's
// bucket and registry slot (runtime/registry-slots.ts): its key is the bucket's first key plus
// the slot, no lookup. Otherwise each meter index is looked up in the registry once per meter
// index (per file), then every row reads its key from a dense cache; a meter's id is hashed once
// (meterHash: its bucket, and its probe in the working set's id index).
import { meterHash } from "../store/contract.js";
import { SLOT_BY_ID, SLOT_UNKNOWN } from "./batch.js";
import type { ReadingBatch } from "./batch.js";
import type { MeterIndex } from "./meter-index.js";

/** Where keys come from: the working set (runtime/working-set.ts). */
export interface KeyIndex {
  readonly bucketCount: number;
  /** The key of `id` (meterHash `hash`), -1 when unknown. */
  find(id: string, hash: number): number;
  /** The same for an id given as its UTF-8 bytes `bytes[start, end)`. */
  findBytes?(bytes: Uint8Array, start: number, end: number, hash: number): number;
  /** Where a loaded bucket's meters are (keys first .. first + size - 1 by slot); undefined when not loaded. */
  bucketKeys?(bucket: number): { readonly first: number; readonly size: number } | undefined;
}

/** byIndex: not seen yet. */
const UNSEEN = -2;
/** byIndex: hashed (its bucket asked for), not resolved yet. */
const HASHED = -3;

export class KeyResolver {
  private readonly keys_: KeyIndex;
  private byIndex = new Int32Array(1024).fill(UNSEEN);
  private hashOf = new Uint32Array(1024);
  private index: MeterIndex | undefined;
  private keys = new Int32Array(0);
  private marks = new Uint8Array(0);

  constructor(keys: KeyIndex) {
    this.keys_ = keys;
  }

  /**
   * The buckets of the batch's meters not resolved yet (in this file): load them before
   * `resolve`, which then remembers each meter's key (or that it is not registered).
   */
  unseenBuckets(batch: ReadingBatch): number[] {
    const count = this.keys_.bucketCount;
    if (this.marks.length !== count) this.marks = new Uint8Array(count);
    const marks = this.marks;
    const out: number[] = [];
    if (batch.bucket !== undefined) {
      // Buckets given by the decoding thread (rows come grouped by bucket): no hash per meter.
      const bucket = batch.bucket;
      let last = -1;
      for (let row = 0; row < batch.length; row++) {
        const b = bucket[row];
        if (b === last || b < 0) continue;
        last = b;
        if (marks[b] === 0) {
          marks[b] = 1;
          out.push(b);
        }
      }
      for (const b of out) marks[b] = 0;
      return out;
    }
    this.#prepare(batch);
    const byIndex = this.byIndex;
    const index = batch.meters;
    for (let row = 0; row < batch.length; row++) {
      const m = batch.meter[row];
      if (m < 0 || byIndex[m] !== UNSEEN) continue;
      const h = index.hashOf !== undefined ? index.hashOf(m) : meterHash(index.idOf(m));
      this.hashOf[m] = h;
      byIndex[m] = HASHED;
      const b = h % count;
      if (marks[b] === 0) {
        marks[b] = 1;
        out.push(b);
      }
    }
    for (const b of out) marks[b] = 0;
    return out;
  }

  #prepare(batch: ReadingBatch): void {
    const index = batch.meters;
    if (index !== this.index) {
      // Another file, another meter index: its indices mean other meters.
      this.index = index;
      this.byIndex.fill(UNSEEN);
    }
    if (this.byIndex.length < index.size) {
      const size = Math.max(index.size, this.byIndex.length * 2);
      const grown = new Int32Array(size).fill(UNSEEN);
      grown.set(this.byIndex);
      this.byIndex = grown;
      const hashes = new Uint32Array(size);
      hashes.set(this.hashOf);
      this.hashOf = hashes;
    }
  }

  /** Every row's registry key: -1 when the meter is unknown or the row has no meter. A view, valid until the next call. */
  resolve(batch: ReadingBatch): Int32Array {
    const n = batch.length;
    const index = batch.meters;
    if (this.keys.length < n) this.keys = new Int32Array(n);
    const keys = this.keys.subarray(0, n);
    const { slot, bucket } = batch;
    if (slot !== undefined && bucket !== undefined && this.keys_.bucketKeys !== undefined) {
      // Slots found by the decoding thread (runtime/registry-slots.ts): no lookup by id, but for
      // the rows it left to be looked up by id (SLOT_BY_ID). Rows come grouped by bucket.
      let lastBucket = -1;
      let first = 0;
      let size = 0;
      for (let row = 0; row < n; row++) {
        const s = slot[row];
        const m = batch.meter[row];
        let k = -1;
        if (s >= 0) {
          const b = bucket[row];
          if (b !== lastBucket) {
            lastBucket = b;
            const loaded = this.keys_.bucketKeys(b);
            first = loaded?.first ?? 0;
            size = loaded?.size ?? 0;
          }
          // A slot past what the working set holds of the bucket: looked up by id.
          k = s < size ? first + s : SLOT_BY_ID;
        } else if (s !== SLOT_UNKNOWN && m >= 0) k = SLOT_BY_ID;
        if (k === SLOT_BY_ID) {
          const id = index.idOf(m);
          k = this.keys_.find(id, meterHash(id));
        }
        keys[row] = k;
      }
      return keys;
    }
    this.#prepare(batch);
    const byIndex = this.byIndex;
    // Ids the index holds as bytes (a readings message's table) are looked up as bytes: no string.
    const spans = this.keys_.findBytes !== undefined ? index.spans : undefined;
    for (let row = 0; row < n; row++) {
      const m = batch.meter[row];
      if (m < 0) {
        keys[row] = -1;
        continue;
      }
      let k = byIndex[m];
      if (k < -1) {
        if (spans !== undefined && m < spans.count) {
          const start = m === 0 ? 0 : spans.ends[m - 1];
          const end = spans.ends[m];
          k = this.keys_.findBytes!(spans.bytes, start, end, k === HASHED ? this.hashOf[m] : (index.hashOf?.(m) ?? meterHash(index.idOf(m))));
        } else {
          const id = index.idOf(m);
          k = this.keys_.find(id, k === HASHED ? this.hashOf[m] : meterHash(id));
        }
        byIndex[m] = k;
      }
      keys[row] = k;
    }
    return keys;
  }
}
