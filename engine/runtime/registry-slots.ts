// Each routed row's slot in its bucket's registry, found in the decoding thread (which is idle
// while the main thread decides): the main thread then keys a row by its bucket's first key plus
// the slot, with no string per meter and no probe of a million-entry table (measured: resolving
// a million nightly readings by id cost the main thread 0.35 s). Ids are matched as bytes: the
// readings' ids in the file's meter index, the registry's in its BLOB (store/registry-ids.ts).
// Slots are stable (an import keeps a known meter's slot and appends new ones), so a slot found
// here is the meter's slot in any later read of the bucket. A bucket whose ids cannot be read as
// bytes gives SLOT_BY_ID for its rows: the main thread looks those up by id.
import { SLOT_BY_ID, SLOT_UNKNOWN } from "../ingest/batch.js";
import type { RowIds } from "../ingest/batch.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import { registryIds } from "../store/registry-ids.js";
import type { RegistryIds } from "../store/registry-ids.js";
import type { MeterBuckets } from "./bucket-window.js";

/** Where registry BLOBs come from: the store's registry-only read (SqliteStore, PostgresStore). */
export interface RegistrySource {
  readRegistries(buckets: readonly number[]): Promise<Array<{ bucket: number; registry: Uint8Array }>>;
}

/** A file's meter index that can compare an id with bytes (ingest/meter-index.ts). */
export type ByteIndex = MeterIndex & { matches(index: number, buf: Uint8Array, start: number, end: number): boolean };

const NONE = 0;
const BY_ID = 1;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/**
 * One bucket's ids, and once a row's id is not at the slot guessed for it (see `#guess`) an
 * open-addressing table of slot + 1, probed from the top bits of the id's FNV-1a times a
 * golden-ratio constant: the low bits are the bucket itself (bucket = hash mod bucket count, a
 * power of two), the same for every id of the bucket.
 */
interface BucketTable {
  ids: RegistryIds;
  table: Int32Array | undefined;
  mask: number;
  shift: number;
}

const GOLDEN = 0x9e3779b1 | 0;

/** What a batch gives to find its rows' slots. */
type SlotBatch = { length: number; meter: Int32Array; bucket?: Int32Array; rowIds?: RowIds; ranked?: boolean };

/** Per bucket: its table while a batch is under way (see `RegistrySlots.#tables`). */
type Tables = Array<BucketTable | typeof NONE | typeof BY_ID | undefined>;

export class RegistrySlots {
  readonly #source: RegistrySource;
  readonly #buckets: MeterBuckets;
  readonly #meters: ByteIndex;
  /** Per bucket: the table of a batch under way (undefined outside `of`). */
  #tables: Tables = [];
  /**
   * Per meter of the file's index: the slot found for it earlier in the run + 1, 0 when none was
   * (slots are stable: see the top of this file). A meter with readings in several batches (a
   * backlog: one per day) is looked up once, and a batch whose meters are all known reads no
   * registry (measured on 200,000 meters x 10 days: 2M probes and every bucket's table built
   * twice, ~0.5 s of the decoding thread, which is that shape's busiest).
   */
  #known = new Int32Array(1024);
  /**
   * Per bucket: 1 once a batch of this run named it. Rows of a bucket not named before have no
   * kept slot, so they skip `#known` (a cache miss per meter: ~85 ms of the decoding thread on the
   * nightly 1M), unless their batch is `ranked` (a meter's rows may lie apart, and the cache gives
   * its later rows the slot its first one found).
   */
  #named = new Uint8Array(0);
  /**
   * Per bucket: the slot after the last one found in it, tried first for its next row. A
   * registry sorted by id and readings sorted by id (a routed batch keeps file order inside a
   * bucket) meet a bucket's meters in slot order, so the guess is a byte compare where a lookup
   * hashed the id, probed a table built from the bucket's every id, then compared (nightly 1M,
   * measured: ~0.3 s of the decoding thread, beside the main thread's decisions). Only an exact
   * match is taken: a wrong guess costs one compare, then the table.
   */
  #guess = new Int32Array(0);

  constructor(source: RegistrySource, buckets: MeterBuckets, meters: ByteIndex) {
    this.#source = source;
    this.#buckets = buckets;
    this.#meters = meters;
  }

  /**
   * The slot and the bucket of each row's meter (see ReadingBatch.slot and .bucket), reading the
   * registries of the batch's buckets.
   */
  async of(batch: SlotBatch): Promise<{ slot: Int32Array; bucket: Int32Array }> {
    const n = batch.length;
    const buckets = this.#buckets;
    // A routed batch brings its rows' buckets and id bytes (bucket-window.ts): read in row order.
    const given = batch.bucket;
    const bucketOf = given ?? new Int32Array(n);
    // Per bucket: its table; NONE when it has no registry (none of its meters is registered);
    // BY_ID when its ids cannot be read as bytes. Arrays by bucket: a routed batch names a few
    // hundred buckets in runs of rows.
    if (this.#tables.length !== buckets.bucketCount) this.#tables = new Array(buckets.bucketCount).fill(undefined);
    if (this.#named.length !== buckets.bucketCount) this.#named = new Uint8Array(buckets.bucketCount);
    if (this.#guess.length !== buckets.bucketCount) this.#guess = new Int32Array(buckets.bucketCount);
    const guess = this.#guess;
    const tables = this.#tables;
    const named = this.#named;
    const ranked = batch.ranked === true;
    const wanted: number[] = [];
    if (this.#known.length < this.#meters.size) {
      const grown = new Int32Array(Math.max(this.#meters.size, this.#known.length * 2));
      grown.set(this.#known);
      this.#known = grown;
    }
    const known = this.#known;
    // Each pass over the rows is a function of its own (V8 compiles a hot loop's function on the
    // spot, and code after the loop, not run by then, leaves the compiled code).
    wantedBuckets(batch, bucketOf, given, buckets, tables, named, known, ranked, wanted);
    if (wanted.length > 0) {
      for (const { bucket, registry } of await this.#source.readRegistries(wanted.sort((a, b) => a - b))) {
        const ids = registryIds(registry);
        tables[bucket] = ids === undefined ? BY_ID : { ids, table: undefined, mask: 0, shift: 0 };
      }
    }
    const slot = findSlots(batch, bucketOf, tables, named, known, guess, ranked, this.#meters);
    // A routed batch holds each of its buckets' rows of the window: the next names other buckets.
    for (const b of wanted) {
      tables[b] = undefined;
      named[b] = 1;
    }
    return { slot, bucket: bucketOf };
  }
}

/** Rows' buckets (into `bucketOf` unless given); buckets with a row whose slot is not known yet into `wanted` (their tables NONE until read). */
function wantedBuckets(batch: SlotBatch, bucketOf: Int32Array, given: Int32Array | undefined, buckets: MeterBuckets, tables: Tables,
  named: Uint8Array, known: Int32Array, ranked: boolean, wanted: number[]): void {
  let lastBucket = -1;
  for (let row = 0; row < batch.length; row++) {
    const m = batch.meter[row];
    if (m < 0) {
      bucketOf[row] = -1;
      continue;
    }
    const b = given !== undefined ? given[row] : (bucketOf[row] = buckets.of(m));
    if ((ranked || named[b] !== 0) && known[m] !== 0) continue;
    if (b !== lastBucket && tables[b] === undefined) {
      tables[b] = NONE;
      wanted.push(b);
    }
    lastBucket = b;
  }
}

/** Each row's slot (SLOT_UNKNOWN, SLOT_BY_ID), found slots kept in `known` and `guess`. */
function findSlots(batch: SlotBatch, bucketOf: Int32Array, tables: Tables, named: Uint8Array, known: Int32Array, guess: Int32Array,
  ranked: boolean, meters: ByteIndex): Int32Array {
  const n = batch.length;
  const rowIds = batch.rowIds;
  const slot = new Int32Array(n);
  let lastMeter = -1;
  let lastSlot = SLOT_UNKNOWN;
  for (let row = 0; row < n; row++) {
    const m = batch.meter[row];
    if (m < 0) {
      slot[row] = SLOT_UNKNOWN;
      continue;
    }
    if (m !== lastMeter) {
      lastMeter = m;
      if ((ranked || named[bucketOf[row]] !== 0) && known[m] !== 0) lastSlot = known[m] - 1;
      else {
        const b = bucketOf[row];
        const t = tables[b]!;
        if (t === NONE) lastSlot = SLOT_UNKNOWN;
        else if (t === BY_ID) lastSlot = SLOT_BY_ID;
        else {
          const g = guess[b];
          const { ids } = t;
          if (rowIds !== undefined) {
            const start = rowIds.at[row];
            const end = rowIds.at[row + 1];
            lastSlot = g < ids.size && sameBytes(ids, g, rowIds.bytes, start, end) ? g : findBytes(tableOf(t), rowIds.bytes, start, end);
          } else {
            lastSlot = g < ids.size && meters.matches(m, ids.bytes, g === 0 ? 0 : ids.ends[g - 1], ids.ends[g]) ? g : find(tableOf(t), meters, m);
          }
          if (lastSlot >= 0) guess[b] = lastSlot + 1;
        }
        // Only found slots are kept: a meter unknown now is looked up again in a later batch.
        if (lastSlot >= 0) known[m] = lastSlot + 1;
      }
    }
    slot[row] = lastSlot;
  }
  return slot;
}

/** The bucket's table, built on first use. */
function tableOf(t: BucketTable): BucketTable & { table: Int32Array } {
  if (t.table !== undefined) return t as BucketTable & { table: Int32Array };
  const { ids } = t;
  let bits = 4;
  while (1 << bits < 2 * ids.size) bits++;
  const table = new Int32Array(1 << bits);
  const mask = (1 << bits) - 1;
  const shift = 32 - bits;
  const { bytes, ends } = ids;
  for (let slot = 0, start = 0; slot < ids.size; start = ends[slot++]) {
    let h = FNV_OFFSET;
    for (let i = start; i < ends[slot]; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
    let s = Math.imul(h, GOLDEN) >>> shift;
    while (table[s] !== 0) s = (s + 1) & mask;
    table[s] = slot + 1;
  }
  t.table = table;
  t.mask = mask;
  t.shift = shift;
  return t as BucketTable & { table: Int32Array };
}

/** Whether id `slot` of `ids` is the bytes `bytes[start, end)`. */
function sameBytes(ids: RegistryIds, slot: number, bytes: Uint8Array, start: number, end: number): boolean {
  const from = slot === 0 ? 0 : ids.ends[slot - 1];
  const len = end - start;
  if (ids.ends[slot] - from !== len) return false;
  const stored = ids.bytes;
  for (let i = 0; i < len; i++) if (stored[from + i] !== bytes[start + i]) return false;
  return true;
}

/** The slot of meter `m` in the bucket's table, SLOT_UNKNOWN when it is not there. */
function find(t: BucketTable & { table: Int32Array }, meters: ByteIndex, m: number): number {
  const { table, mask, shift, ids } = t;
  // meterHash is FNV-1a over the id's UTF-8 bytes, as tableOf hashes the registry's.
  for (let s = Math.imul(meters.hashOf!(m), GOLDEN) >>> shift; ; s = (s + 1) & mask) {
    const entry = table[s];
    if (entry === 0) return SLOT_UNKNOWN;
    const slot = entry - 1;
    if (meters.matches(m, ids.bytes, slot === 0 ? 0 : ids.ends[slot - 1], ids.ends[slot])) return slot;
  }
}

/**
 * The slot of the id `bytes[start, end)` in the bucket's table, SLOT_UNKNOWN when it is not
 * there. Hashed here as tableOf hashes the registry's ids (bytes that are not ASCII match no id
 * of an ASCII registry, wherever their probe starts).
 */
function findBytes(t: BucketTable & { table: Int32Array }, bytes: Uint8Array, start: number, end: number): number {
  const { table, mask, shift, ids } = t;
  const len = end - start;
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  for (let s = Math.imul(h, GOLDEN) >>> shift; ; s = (s + 1) & mask) {
    const entry = table[s];
    if (entry === 0) return SLOT_UNKNOWN;
    const slot = entry - 1;
    const from = slot === 0 ? 0 : ids.ends[slot - 1];
    if (ids.ends[slot] - from !== len) continue;
    let i = 0;
    while (i < len && ids.bytes[from + i] === bytes[start + i]) i++;
    if (i === len) return slot;
  }
}
