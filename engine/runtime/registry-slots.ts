// Each routed row's slot in its bucket's registry, found in the decoding thread (which is idle
// while the main thread decides): the main thread then keys a row by its bucket's first key plus
// the slot, with no string per meter and no probe of a million-entry table (measured: resolving
// a million nightly readings by id cost the main thread 0.35 s). Ids are matched as bytes: the
// readings' ids in the file's meter index, the registry's in its BLOB (store/registry-ids.ts).
// Slots are stable (an import keeps a known meter's slot and appends new ones), so a slot found
// here is the meter's slot in any later read of the bucket. A bucket whose ids cannot be read as
// bytes gives SLOT_BY_ID for its rows: the main thread looks those up by id.
// Each meter's slot is found once per file, bucket by bucket, when the routing window that first
// names it is checked, with its bucket's register limits: the decoding thread's limit check
// (bucket-window.ts) takes them from here, so a window reads each bucket's registry once.
import { SLOT_BY_ID, SLOT_UNKNOWN } from "../ingest/batch.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import type { PartitionedStore } from "../store/contract.js";
import { registryIds } from "../store/registry-ids.js";
import type { RegistryIds } from "../store/registry-ids.js";
import { decodeRegistry, registryWithoutLimits } from "../store/bucket-registry-blob.js";
import type { MeterBuckets } from "./bucket-window.js";

/** Where registry BLOBs come from: the store's registry-only read (SqliteStore, PostgresStore). */
export interface RegistrySource {
  readRegistries(buckets: readonly number[]): Promise<Array<{ bucket: number; registry: Uint8Array }>>;
}

/** A store's registry reads: its registry-only read where it has one, else its bucket reads. */
export function registrySource(store: Pick<PartitionedStore, "readBuckets"> & Partial<RegistrySource>): RegistrySource {
  if (store.readRegistries !== undefined) return store as RegistrySource;
  return { readRegistries: (buckets) => store.readBuckets(buckets) };
}

/** A file's meter index that can compare an id with bytes (ingest/meter-index.ts). */
export type ByteIndex = MeterIndex & { matches(index: number, buf: Uint8Array, start: number, end: number): boolean };

/** Buckets whose registry BLOBs are read together. */
const READ_BUCKETS = 256;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/**
 * One bucket's ids in an open-addressing table of slot + 1, probed from the top bits of the id's
 * FNV-1a times a golden-ratio constant: the low bits are the bucket itself (bucket = hash mod
 * bucket count, a power of two), the same for every id of the bucket.
 */
interface BucketTable {
  ids: RegistryIds;
  table: Int32Array;
  mask: number;
  shift: number;
}

const GOLDEN = 0x9e3779b1 | 0;

/** A bucket's register limits by slot, for the limit check (null: no meter of the bucket has any). */
export interface SlotLimits {
  digits: Uint8Array;
  reset: Float64Array;
  pulseWeight: Float64Array;
  /** Slot by id, for a bucket whose ids are matched as strings (not all ASCII: SLOT_BY_ID). */
  slotOf?: Map<string, number>;
}

export class RegistrySlots {
  readonly #source: RegistrySource;
  readonly #buckets: MeterBuckets;
  readonly #meters: ByteIndex;
  /** Per bucket: its register limits, null when it has none (undefined while not read). */
  readonly #limits: Array<SlotLimits | null | undefined>;
  /** Per meter index of the file: its slot (or SLOT_UNKNOWN, SLOT_BY_ID), for indices below #done. */
  #slot = new Int32Array(1024);
  #done = 0;

  constructor(source: RegistrySource, buckets: MeterBuckets, meters: ByteIndex) {
    this.#source = source;
    this.#buckets = buckets;
    this.#meters = meters;
    this.#limits = new Array(buckets.bucketCount).fill(undefined);
  }

  /**
   * Finds the slots of the meters the file named since the last call (meter indices are dense,
   * in order of first appearance: these are the indices from the last call's size on), reading
   * the registries of their buckets. Each meter's slot is looked up once per file, however many
   * readings it has.
   */
  async resolve(): Promise<void> {
    const from = this.#done;
    const to = this.#meters.size;
    if (from >= to) return;
    const buckets = this.#buckets;
    // The new indices bucket by bucket (a counting sort, ascending within a bucket): one
    // bucket's table is built, used for its meters and let go.
    const count = buckets.bucketCount;
    const start = new Int32Array(count + 1);
    for (let m = from; m < to; m++) start[buckets.of(m) + 1]++;
    for (let b = 0; b < count; b++) start[b + 1] += start[b];
    const order = new Int32Array(to - from);
    const next = start.slice(0, count);
    for (let m = from; m < to; m++) order[next[buckets.of(m)]++] = m;
    if (this.#slot.length < to) {
      const grown = new Int32Array(Math.max(to, this.#slot.length * 2));
      grown.set(this.#slot.subarray(0, from));
      this.#slot = grown;
    }
    const slot = this.#slot;
    const meters = this.#meters;
    const wanted: number[] = [];
    for (let b = 0; b < count; b++) if (start[b + 1] > start[b]) wanted.push(b);
    // Read a few hundred buckets' BLOBs at a time: a nightly file names every bucket, and all
    // their BLOBs at once are ~45 bytes per meter held together.
    for (let c = 0; c < wanted.length; c += READ_BUCKETS) {
      const chunk = wanted.slice(c, c + READ_BUCKETS);
      const found = new Map<number, Uint8Array>();
      for (const { bucket, registry } of await this.#source.readRegistries(chunk)) found.set(bucket, registry);
      for (const b of chunk) {
        const registry = found.get(b);
        const ids = registry === undefined ? undefined : registryIds(registry);
        this.#limits[b] = registry === undefined ? null : limitsOf(registry, ids === undefined);
        const table = ids === undefined ? undefined : tableOf(ids);
        for (let i = start[b]; i < start[b + 1]; i++) {
          const m = order[i];
          slot[m] = registry === undefined ? SLOT_UNKNOWN : table === undefined ? SLOT_BY_ID : find(table, meters, m);
        }
      }
    }
    this.#done = to;
  }

  /** The slot of meter index `m` (after `resolve`): SLOT_UNKNOWN, SLOT_BY_ID or the slot. */
  slotOf(m: number): number {
    return this.#slot[m];
  }

  /** The register limits of bucket `b` (after `resolve` for one of its meters); null: none. Kept for the file (only buckets with limits hold any). */
  limitsOf(b: number): SlotLimits | null {
    return this.#limits[b] ?? null;
  }

  /**
   * The slot and the bucket of each row's meter (see ReadingBatch.slot and .bucket), reading the
   * registries of the batch's buckets.
   */
  async of(batch: { length: number; meter: Int32Array }): Promise<{ slot: Int32Array; bucket: Int32Array }> {
    await this.resolve();
    const n = batch.length;
    const buckets = this.#buckets;
    const slotOf = this.#slot;
    const slot = new Int32Array(n);
    const bucket = new Int32Array(n);
    for (let row = 0; row < n; row++) {
      const m = batch.meter[row];
      if (m < 0) {
        slot[row] = SLOT_UNKNOWN;
        bucket[row] = -1;
      } else {
        slot[row] = slotOf[m];
        bucket[row] = buckets.of(m);
      }
    }
    return { slot, bucket };
  }
}

/** A bucket's register limits by slot from its registry BLOB; null when no meter has any (read from the header). */
function limitsOf(registry: Uint8Array, byId: boolean): SlotLimits | null {
  if (registryWithoutLimits(registry)) return null;
  const reg = decodeRegistry(registry);
  const limits: SlotLimits = { digits: reg.digits, reset: reg.reset, pulseWeight: reg.pulseWeight };
  if (byId) limits.slotOf = new Map(reg.ids.map((id, slot) => [id, slot]));
  return limits;
}

function tableOf(ids: RegistryIds): BucketTable {
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
  return { ids, table, mask, shift };
}

/** The slot of meter `m` in the bucket's table, SLOT_UNKNOWN when it is not there. */
function find(t: BucketTable, meters: ByteIndex, m: number): number {
  const { table, mask, shift, ids } = t;
  // meterHash is FNV-1a over the id's UTF-8 bytes, as tableOf hashes the registry's.
  for (let s = Math.imul(meters.hashOf!(m), GOLDEN) >>> shift; ; s = (s + 1) & mask) {
    const entry = table[s];
    if (entry === 0) return SLOT_UNKNOWN;
    const slot = entry - 1;
    if (meters.matches(m, ids.bytes, slot === 0 ? 0 : ids.ends[slot - 1], ids.ends[slot])) return slot;
  }
}
