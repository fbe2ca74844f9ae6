// Meters' ledger history for the late path, a bucket at a time: read from the store when a
// batch has late readings of a bucket not in memory, then kept current with every batch the
// runtime hands to the writer, so a rerun or a file that repeats earlier days reads each bucket
// once. Bounded: least recently used buckets are dropped.
import { createEntries, decodeSegment, entryAt } from "../store/history.js";
import type { HistoryEntries, HistoryEntry } from "../store/history.js";
import type { PartitionedStore } from "../store/contract.js";
import type { WorkingSet } from "./working-set.js";

type Bucket = Map<number, HistoryEntry[]>;

export class HistoryCache {
  readonly #store: PartitionedStore;
  readonly #ws: WorkingSet;
  readonly #maxEntries: number;
  /** Buckets in least-recently-used order (Map keeps insertion order; a hit re-inserts). */
  readonly #buckets = new Map<number, Bucket>();
  #entries = 0;

  /** `maxEntries` bounds the memory: about 150 bytes per cached reading. */
  constructor(store: PartitionedStore, ws: WorkingSet, maxEntries = 2_000_000) {
    this.#store = store;
    this.#ws = ws;
    this.#maxEntries = maxEntries;
  }

  /** Whether the bucket holding `meter` is in memory (a miss reads the store, which must be current). */
  has(meter: number): boolean {
    return this.#buckets.has(this.#ws.bucketOfKey(meter));
  }

  /** Reads the history of these meters' buckets that are not in memory. */
  async ensure(meters: Iterable<number>): Promise<void> {
    const missing = new Set<number>();
    for (const k of meters) {
      const b = this.#ws.bucketOfKey(k);
      if (!this.#buckets.has(b)) missing.add(b);
    }
    if (missing.size === 0) return;
    const all = createEntries();
    const buckets = [...missing].sort((a, b) => a - b);
    for (const b of buckets) this.#buckets.set(b, new Map());
    for (const segment of await this.#store.readSegments(buckets)) {
      const from = all.length;
      decodeSegment(all, segment.data, segment.entries);
      // Segments name meters by slot in their bucket.
      for (let i = from; i < all.length; i++) all.meter[i] = this.#ws.keyAt(segment.bucket, all.meter[i]);
    }
    for (let i = 0; i < all.length; i++) this.#place(entryAt(all, i));
    this.#evict(new Set(buckets));
  }

  /**
   * A meter's readings, one per end day (the latest version), ordered by day; its bucket must be
   * in memory (ensure). The list is live: the late path inserts into it, and `add` keeps it current.
   */
  meter(meter: number): HistoryEntry[] {
    const id = this.#ws.bucketOfKey(meter);
    const bucket = this.#buckets.get(id)!;
    this.#buckets.delete(id);
    this.#buckets.set(id, bucket);
    let list = bucket.get(meter);
    if (list === undefined) bucket.set(meter, (list = []));
    return list;
  }

  /** Applies entries handed to the writer to the buckets in memory (a new version replaces its day). */
  add(h: HistoryEntries): void {
    // No bucket read (a run without late readings, such as a nightly one): nothing to keep current.
    if (this.#buckets.size === 0) return;
    for (let i = 0; i < h.length; i++) if (this.#buckets.has(this.#ws.bucketOfKey(h.meter[i]))) this.#place(entryAt(h, i));
    this.#evict(new Set());
  }

  #place(e: HistoryEntry): void {
    const bucket = this.#buckets.get(this.#ws.bucketOfKey(e.meter))!;
    let list = bucket.get(e.meter);
    if (list === undefined) bucket.set(e.meter, (list = []));
    if (place(list, e)) this.#entries++;
  }

  #evict(keep: ReadonlySet<number>): void {
    for (const [id, bucket] of this.#buckets) {
      if (this.#entries <= this.#maxEntries) return;
      if (keep.has(id)) continue;
      for (const list of bucket.values()) this.#entries -= list.length;
      this.#buckets.delete(id);
    }
  }
}

/** Puts an entry in its day's place: replaces that day's version, or inserts. True when inserted. */
function place(list: HistoryEntry[], e: HistoryEntry): boolean {
  let lo = 0;
  let hi = list.length;
  // Appends in day order are the common case.
  if (hi > 0 && list[hi - 1].end < e.end) {
    list.push(e);
    return true;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].end < e.end) lo = mid + 1;
    else hi = mid;
  }
  if (lo < list.length && list[lo].end === e.end) {
    list[lo] = e;
    return false;
  }
  list.splice(lo, 0, e);
  return true;
}
