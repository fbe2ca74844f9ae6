// Meters' chains for the late path: read from the store when a batch has late readings of a meter
// not known far enough back (engine/store/ledger.ts readChains: the newest segments that hold
// it, down to the chain entry before its earliest late reading), then kept current with every
// batch the runtime hands to the writer, so a rerun or a file that repeats earlier days reads
// each meter once. A late reading's cost follows the nights since its predecessor, not the age
// of the ledger. Bounded: least recently used buckets are dropped.
import { inChain } from "../decide/chain.js";
import { readChains } from "../store/ledger.js";
import { entryAt } from "../store/history.js";
import type { HistoryEntries, HistoryEntry } from "../store/history.js";
import type { PartitionedStore } from "../store/contract.js";
import type { WorkingSet } from "./working-set.js";

/** A meter's entries known here: the latest version of each of its days from `from` on (-Infinity: all), by day. */
interface Chain {
  list: HistoryEntry[];
  from: number;
}

type Bucket = Map<number, Chain>;

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

  /**
   * Whether a reading of `meter` on day `end` can be placed with what is in memory: the meter's
   * whole ledger, or every day from a chain entry before `end` on. A miss reads the store, which
   * must be current.
   */
  covers(meter: number, end: number): boolean {
    const chain = this.#buckets.get(this.#ws.bucketOfKey(meter))?.get(meter);
    if (chain === undefined) return false;
    if (chain.from === Number.NEGATIVE_INFINITY) return true;
    const { list } = chain;
    for (let i = list.length - 1; i >= 0 && list[i].end >= chain.from; i--) if (list[i].end < end && inChain(list[i])) return true;
    return false;
  }

  /** Reads the chains of these meters (meter -> its earliest late day) that `covers` does not cover. */
  async ensure(late: ReadonlyMap<number, number>): Promise<void> {
    const wanted = new Map<number, Map<number, number>>();
    // The batch's buckets stay, those read now and those it finds in memory.
    const keep = new Set<number>();
    for (const [k, end] of late) {
      keep.add(this.#ws.bucketOfKey(k));
      if (this.covers(k, end)) continue;
      const { bucket, slot } = this.#ws.placeOf(k);
      let slots = wanted.get(bucket);
      if (slots === undefined) wanted.set(bucket, (slots = new Map()));
      slots.set(slot, end);
    }
    if (wanted.size === 0) return;
    const read = await readChains(this.#store, wanted, inChain);
    for (const [b, slots] of read) {
      let bucket = this.#buckets.get(b);
      if (bucket === undefined) bucket = new Map();
      // Most recently used last.
      this.#buckets.delete(b);
      this.#buckets.set(b, bucket);
      for (const [slot, { entries, from }] of slots) {
        const k = this.#ws.keyAt(b, slot);
        // Segments name meters by slot in their bucket.
        for (const e of entries) e.meter = k;
        this.#entries += entries.length - (bucket.get(k)?.list.length ?? 0);
        bucket.set(k, { list: entries, from });
      }
    }
    this.#evict(keep);
  }

  /**
   * A meter's readings, one per end day (the latest version), ordered by day, as far back as a
   * covered reading needs (ensure). The list is live: the late path inserts into it, and `add`
   * keeps it current.
   */
  meter(meter: number): HistoryEntry[] {
    const id = this.#ws.bucketOfKey(meter);
    const bucket = this.#buckets.get(id);
    const chain = bucket?.get(meter);
    if (bucket === undefined || chain === undefined) throw new Error(`the history of meter key ${meter} was not read before its late readings were decided`);
    this.#buckets.delete(id);
    this.#buckets.set(id, bucket);
    return chain.list;
  }

  /** Applies entries handed to the writer to the meters in memory (a new version replaces its day). */
  add(h: HistoryEntries): void {
    // No chain read (a run without late readings, such as a nightly one): nothing to keep current.
    if (this.#buckets.size === 0) return;
    for (let i = 0; i < h.length; i++) {
      const chain = this.#buckets.get(this.#ws.bucketOfKey(h.meter[i]))?.get(h.meter[i]);
      // A day before what is known of the meter stays unknown (a later read brings it).
      if (chain === undefined || h.end[i] < chain.from) continue;
      if (place(chain.list, entryAt(h, i))) this.#entries++;
    }
    this.#evict(new Set());
  }

  #evict(keep: ReadonlySet<number>): void {
    for (const [id, bucket] of this.#buckets) {
      if (this.#entries <= this.#maxEntries) return;
      if (keep.has(id)) continue;
      for (const chain of bucket.values()) this.#entries -= chain.list.length;
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
