// Meters' history for the late path, a chunk of meters at a time: loaded from the store once,
// then kept current with every batch the pipeline hands to the writer, so a rerun or a file
// that repeats earlier days reads each chunk's history once, not once per reading or batch.
import { entryAt } from "../store/history.js";
import type { HistoryEntries, HistoryEntry } from "../store/history.js";
import { CHUNK_METERS } from "../store/schema.js";
import type { Store } from "../store/types.js";

type Chunk = Map<number, HistoryEntry[]>;

export class HistoryCache {
  private readonly store: Store;
  private readonly maxEntries: number;
  /** Chunks in least-recently-used order (Map keeps insertion order; a hit re-inserts). */
  private readonly chunks = new Map<number, Chunk>();
  private entries = 0;

  /** `maxEntries` bounds the memory: about 150 bytes per cached reading. */
  constructor(store: Store, maxEntries = 2_000_000) {
    this.store = store;
    this.maxEntries = maxEntries;
  }

  /** Whether the chunk holding `meter` is loaded (a miss reads the store, which must be current). */
  has(meter: number): boolean {
    return this.chunks.has(Math.floor(meter / CHUNK_METERS));
  }

  /**
   * A meter's readings, one per end day (the latest version), ordered by day. The list is live:
   * the late path inserts into it, and `add` keeps it current.
   */
  meter(meter: number): HistoryEntry[] {
    const id = Math.floor(meter / CHUNK_METERS);
    let chunk = this.chunks.get(id);
    if (chunk === undefined) chunk = this.load(id);
    else {
      this.chunks.delete(id);
      this.chunks.set(id, chunk);
    }
    let list = chunk.get(meter);
    if (list === undefined) chunk.set(meter, (list = []));
    return list;
  }

  /** Applies entries handed to the writer to the chunks in memory (a new version replaces its day). */
  add(h: HistoryEntries): void {
    for (let i = 0; i < h.length; i++) {
      const chunk = this.chunks.get(Math.floor(h.meter[i] / CHUNK_METERS));
      if (chunk === undefined) continue;
      let list = chunk.get(h.meter[i]);
      if (list === undefined) chunk.set(h.meter[i], (list = []));
      if (place(list, entryAt(h, i))) this.entries++;
    }
    this.evict();
  }

  private load(id: number): Chunk {
    const all = this.store.historyChunk(id);
    const chunk: Chunk = new Map();
    for (let i = 0; i < all.length; i++) {
      let list = chunk.get(all.meter[i]);
      if (list === undefined) chunk.set(all.meter[i], (list = []));
      if (place(list, entryAt(all, i))) this.entries++;
    }
    this.chunks.set(id, chunk);
    this.evict();
    return chunk;
  }

  private evict(): void {
    for (const [id, chunk] of this.chunks) {
      if (this.entries <= this.maxEntries || this.chunks.size <= 1) return;
      for (const list of chunk.values()) this.entries -= list.length;
      this.chunks.delete(id);
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
