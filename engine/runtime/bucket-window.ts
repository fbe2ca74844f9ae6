// Readings routed by bucket before they are decided (DESIGN.md "Cost follows the work"): a
// window of decoded batches is reordered, stably, by partition and bucket, then cut into batches
// again. A nightly file names every meter once, in no useful order, so a batch of it would touch
// every bucket and rewrite every bucket's state; reordered, each bucket's state is written about
// once per window and its ledger is one segment. A meter's readings keep their file order (the
// sort is stable) and each row keeps its source line. The decoder's worker uses this, and the
// register-limit check below, which needs the registry only of buckets that have limits.
import type { ReadingBatch, RowIds } from "../ingest/batch.js";
import { batchId } from "../ingest/batch-id.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import { limitReason } from "../ingest/limits.js";
import { decodeRegistry, registryWithoutLimits } from "../store/bucket-registry-blob.js";
import { BUCKETS_PER_PARTITION, meterHash } from "../store/contract.js";
import type { PartitionedStore } from "../store/contract.js";

/** The bucket of each meter index of a file, computed once per meter. */
export class MeterBuckets {
  readonly bucketCount: number;
  #of = new Int32Array(1024).fill(-1);
  readonly #meters: MeterIndex;

  constructor(partitions: number, meters: MeterIndex) {
    this.bucketCount = partitions * BUCKETS_PER_PARTITION;
    this.#meters = meters;
  }

  /** Bucket of meter index `m` (>= 0). */
  of(m: number): number {
    if (m >= this.#of.length) {
      const grown = new Int32Array(Math.max(m + 1, this.#of.length * 2)).fill(-1);
      grown.set(this.#of);
      this.#of = grown;
    }
    let b = this.#of[m];
    if (b < 0) {
      const meters = this.#meters;
      this.#of[m] = b = (meters.hashOf !== undefined ? meters.hashOf(m) : meterHash(meters.idOf(m))) % this.bucketCount;
    }
    return b;
  }
}

/** A store that reads registry BLOBs without the state beside them (SqliteStore). */
interface RegistryReader {
  readRegistries(buckets: readonly number[]): Promise<Array<{ bucket: number; registry: Uint8Array }>>;
}

interface BucketLimits {
  slotOf: Map<string, number>;
  digits: Uint8Array;
  reset: Float64Array;
  pulseWeight: Float64Array;
}

/**
 * `rejectByRegistry` (ingest/limits.ts) without a working set: a bucket whose registry BLOB
 * says no meter has a register limit or a pulse weight (the common case) is known from its
 * header; only the other buckets' ids are decoded.
 */
export class RegistryLimitCheck {
  readonly #store: PartitionedStore;
  readonly #buckets: MeterBuckets;
  /** Per bucket: undefined not read, null no limits. */
  readonly #limits: Array<BucketLimits | null | undefined>;

  constructor(store: PartitionedStore, buckets: MeterBuckets) {
    this.#store = store;
    this.#buckets = buckets;
    this.#limits = new Array(buckets.bucketCount).fill(undefined);
  }

  async reject(batch: ReadingBatch): Promise<number> {
    const wanted = new Set<number>();
    for (let row = 0; row < batch.length; row++) {
      const m = batch.meter[row];
      if (m < 0 || batch.reject[row] !== 0) continue;
      const b = this.#buckets.of(m);
      if (this.#limits[b] === undefined) wanted.add(b);
    }
    if (wanted.size > 0) {
      const list = [...wanted].sort((a, b) => a - b);
      for (const b of list) this.#limits[b] = null;
      // Only the registry BLOBs, where the store can read them alone (SQLite).
      const store = this.#store as PartitionedStore & Partial<RegistryReader>;
      const rows = store.readRegistries !== undefined ? await store.readRegistries(list) : await store.readBuckets(list);
      for (const row of rows) {
        if (registryWithoutLimits(row.registry)) continue;
        const reg = decodeRegistry(row.registry);
        const slotOf = new Map<string, number>();
        for (let i = 0; i < reg.size; i++) slotOf.set(reg.ids[i], i);
        this.#limits[row.bucket] = { slotOf, digits: reg.digits, reset: reg.reset, pulseWeight: reg.pulseWeight };
      }
    }
    let rejected = 0;
    for (let row = 0; row < batch.length; row++) {
      const m = batch.meter[row];
      if (m < 0 || batch.reject[row] !== 0) continue;
      const limits = this.#limits[this.#buckets.of(m)];
      if (limits === null || limits === undefined) continue;
      const k = limits.slotOf.get(batch.meters.idOf(m));
      if (k === undefined) continue;
      const reason = limitReason(batch.value[row], limits.digits[k], limits.reset[k], limits.pulseWeight[k]);
      if (reason === 0) continue;
      batch.reject[row] = reason;
      if (!batch.rejectedRaw.has(row)) batch.rejectedRaw.set(row, batch.rawOf(row));
      rejected++;
    }
    return rejected;
  }
}

/** A batch's plain columns (no pulse or sensor columns), as the worker posts them. */
export interface PlainColumns {
  length: number;
  line: Float64Array;
  meter: Int32Array;
  end: Int32Array;
  value: Float64Array;
  override: Float64Array;
  source: Uint8Array;
  verification: Uint8Array;
  reject: Uint8Array;
  rejectedRaw: Map<number, string>;
  /** `reject` as the decoder left it, before the registry checks (for the batch id). */
  decoded: Uint8Array;
  /** Raw text of a row, from the batch it was decoded in. */
  rawOf(row: number): string;
  /** Per row, its meter's bucket (-1 without a meter). */
  bucket: Int32Array;
  /** Per row, its meter id's bytes, when the meter index holds bytes (ReadingBatch.rowIds). */
  rowIds?: RowIds;
}

/**
 * Routes a file's batches by bucket (see the top of this file), a window of about `window` rows
 * at a time. Every batch it yields carries its content id, taken over its rows as decoded;
 * `check` runs on each decoded batch after its id is taken (registry checks that keep raw
 * text). A batch with pulse or sensor columns, and a window of one batch, go through as they are.
 */
export async function* routeByBucket(source: AsyncIterable<ReadingBatch>, options: {
  partitions: number; batchSize: number; meters: MeterIndex; window?: number; check?: (batch: ReadingBatch) => Promise<void> | void;
  /**
   * false: routed batches keep only the raw text of rows rejected by then (rawOf gives "" for the
   * others), so a window's decoded batches and their text are freed once routed. The decoding
   * thread routes after every check that needs raw text. Default true.
   */
  raw?: boolean;
}): AsyncGenerator<ReadingBatch> {
  const { partitions, batchSize, meters, check } = options;
  const keepRaw = options.raw ?? true;
  const limit = options.window ?? WINDOW;
  const buckets = new MeterBuckets(partitions, meters);
  let window: ReadingBatch[] = [];
  let decoded: Uint8Array[] = [];
  let rows = 0;
  function* flush(): Generator<ReadingBatch> {
    const gathered = window;
    const before = decoded;
    window = [];
    decoded = [];
    rows = 0;
    if (gathered.length === 1) {
      // Its id over its rows as decoded (before `check`).
      const b = gathered[0];
      yield withId(b, b.batchId ?? batchId({ ...pickColumns(b), reject: before[0] }));
      return;
    }
    if (gathered.length === 0) return;
    const routed = orderByBucket(gathered, before, buckets, partitions, batchSize, keepRaw);
    if (!keepRaw) {
      // Nothing refers to the decoded batches any more: let them go while the routed ones are taken.
      gathered.length = 0;
      before.length = 0;
    }
    for (let k = 0; k < routed.length; k++) {
      const { decoded: reject, ...columns } = routed[k];
      // Each routed batch is let go once taken (its id bytes and raw texts with it).
      routed[k] = undefined as never;
      const batch: ReadingBatch = { ...columns, meters, batchId: batchId({ ...columns, reject, meters }) };
      yield batch;
    }
  }
  for await (const decodedBatch of source) {
    const plain = orderable(decodedBatch);
    // A window's batches get their ids once routed (a window of one, at its flush).
    const batch = plain || decodedBatch.batchId !== undefined ? decodedBatch : withId(decodedBatch, batchId(decodedBatch));
    if (plain) decoded.push(batch.reject.slice());
    await check?.(batch);
    if (!plain) {
      yield* flush();
      yield batch;
      continue;
    }
    window.push(batch);
    rows += batch.length;
    if (rows >= limit) yield* flush();
  }
  yield* flush();
}

/** Rows gathered before they are routed: about one nightly file of a million meters. */
export const WINDOW = 1 << 20;

/** A batch's own columns as a plain object (rawOf bound to the batch). */
function pickColumns(b: ReadingBatch): ReadingBatch {
  return { length: b.length, line: b.line, meter: b.meter, end: b.end, value: b.value, override: b.override, source: b.source,
    verification: b.verification, reject: b.reject, rejectedRaw: b.rejectedRaw, rawOf: (row) => b.rawOf(row), meters: b.meters };
}

/** The batch with its id (its own methods kept: rawOf reads the decoder's text). */
function withId(batch: ReadingBatch, id: string): ReadingBatch {
  Object.defineProperty(batch, "batchId", { value: id, enumerable: true, configurable: true });
  return batch;
}

/** Whether a batch can be reordered here: plain register readings, no pulse or sensor columns. */
export function orderable(batch: ReadingBatch): boolean {
  return batch.pulse === undefined && batch.sensorRow === undefined && batch.sensors === undefined;
}

/**
 * The rows of `batches` (orderable ones, in decoding order) stably sorted by partition and bucket
 * (rows without a meter first), then by each meter's rank (below), cut into batches of about
 * `batchSize` rows between buckets (inside a bucket between ranks, when its rows alone are more;
 * more only when one bucket's rows of one rank are more). Without `keepRaw`, a
 * routed row's rawOf gives its raw text only when it was rejected by then ("" otherwise), and the
 * routed batches do not refer to `batches`.
 */
export function orderByBucket(batches: readonly ReadingBatch[], decoded: readonly Uint8Array[], buckets: MeterBuckets, partitions: number,
  batchSize: number, keepRaw = true): PlainColumns[] {
  let total = 0;
  for (const b of batches) total += b.length;
  const count = buckets.bucketCount;
  const per = count / partitions;
  // A meter's rank: its rows from its r-th decoded batch of the window have rank r. A bucket's
  // rows of every rank go into one batch where they fit, rank after rank (a meter's rows in file
  // order), so a backlog file of several days writes each bucket's state once per window, not
  // once a day; the decision takes a meter's readings of one batch in rounds (decide/decider.ts).
  const lastBatch = new Int32Array(batches[0].meters.size).fill(-1);
  const rankOf = new Int32Array(batches[0].meters.size);
  // Sort key: group * ranks + rank, group 0 for no meter, else 1 + partition * per + bucket-in-partition.
  const ranks = batches.length;
  const keyOf = new Int32Array(total);
  const start = new Int32Array((count + 1) * ranks + 1);
  // The meters' ids go along as bytes in routed order when the index holds bytes (rowIds): each
  // key's bytes are counted here, and copied with its rows below.
  const meters = batches[0].meters;
  const keyBytes = meters.idLength !== undefined && meters.copyId !== undefined ? new Int32Array(start.length) : undefined;
  const groupRows = new Int32Array(count + 1);
  let at = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    for (let row = 0; row < b.length; row++, at++) {
      const m = b.meter[row];
      let key = 0;
      if (m >= 0) {
        if (lastBatch[m] !== i) {
          rankOf[m] = lastBatch[m] < 0 ? 0 : rankOf[m] + 1;
          lastBatch[m] = i;
        }
        const bucket = buckets.of(m);
        const group = 1 + (bucket % partitions) * per + Math.floor(bucket / partitions);
        key = group * ranks + rankOf[m];
        groupRows[group]++;
        if (keyBytes !== undefined) keyBytes[key + 1] += meters.idLength!(m);
      } else {
        groupRows[0]++;
      }
      keyOf[at] = key;
      start[key + 1]++;
    }
  }
  // Batches: cut between buckets once a batch is full; a bucket whose rows alone are more is cut
  // between its ranks (a meter's rows of one rank are never split).
  const cuts: number[] = [0];
  // The routed batch of each key.
  const chunkOfKey = new Int32Array(start.length);
  let size = 0;
  let group = -1;
  for (let key = 0; key < start.length - 1; key++) {
    const rows = start[key + 1];
    if (rows === 0) continue;
    const g = Math.floor(key / ranks);
    const full = g !== group ? size + groupRows[g] > batchSize : size + rows > batchSize;
    if (size > 0 && full) {
      cuts.push(cuts[cuts.length - 1] + size);
      size = 0;
    }
    chunkOfKey[key] = cuts.length - 1;
    size += rows;
    group = g;
  }
  if (size > 0) cuts.push(total);
  for (let k = 1; k < start.length; k++) start[k] += start[k - 1];
  if (keyBytes !== undefined) for (let k = 1; k < keyBytes.length; k++) keyBytes[k] += keyBytes[k - 1];
  // Each batch's columns are written in place (no window-sized copy sliced afterwards).
  const chunks = cuts.length - 1;
  const out: PlainColumns[] = [];
  const before = new Uint8Array(total);
  // Where each routed row came from, for its raw text (kept only with keepRaw).
  const fromBatch = keepRaw ? new Int32Array(total) : undefined;
  const fromRow = keepRaw ? new Int32Array(total) : undefined;
  // Each routed batch's ids in arrays of its own (let go with the batch): its bytes begin at the
  // key bytes of its first key.
  const byteBase = new Int32Array(chunks + 1);
  if (keyBytes !== undefined) {
    for (let key = 0, c = 0; key < start.length - 1 && c < chunks; key++) if (start[key] === cuts[c]) byteBase[c++] = keyBytes[key];
    byteBase[chunks] = keyBytes[keyBytes.length - 1];
  }
  for (let c = 0; c < chunks; c++) {
    const from = cuts[c];
    const to = cuts[c + 1];
    const n = to - from;
    const rejectedRaw = new Map<number, string>();
    const srcBatch = fromBatch?.subarray(from, to);
    const srcRow = fromRow?.subarray(from, to);
    out.push({
      rawOf: keepRaw ? (row: number) => rejectedRaw.get(row) ?? batches[srcBatch![row]].rawOf(srcRow![row]) : (row: number) => rejectedRaw.get(row) ?? "",
      length: n, line: new Float64Array(n), meter: new Int32Array(n), end: new Int32Array(n), value: new Float64Array(n),
      override: new Float64Array(n), source: new Uint8Array(n), verification: new Uint8Array(n), reject: new Uint8Array(n), rejectedRaw,
      decoded: before.subarray(from, to), bucket: new Int32Array(n),
      rowIds: keyBytes !== undefined ? rowIdsOf(n, byteBase[c + 1] - byteBase[c]) : undefined,
    });
  }
  at = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    const d = decoded[i];
    for (let row = 0; row < b.length; row++, at++) {
      const key = keyOf[at];
      const to = start[key]++;
      const c = chunkOfKey[key];
      const o = out[c];
      const j = to - cuts[c];
      const m = b.meter[row];
      before[to] = d[row];
      if (fromBatch !== undefined) {
        fromBatch[to] = i;
        fromRow![to] = row;
      }
      o.line[j] = b.line[row];
      o.meter[j] = m;
      o.end[j] = b.end[row];
      o.value[j] = b.value[row];
      o.override[j] = b.override[row];
      o.source[j] = b.source[row];
      o.verification[j] = b.verification[row];
      o.reject[j] = b.reject[row];
      o.bucket[j] = m < 0 ? -1 : buckets.of(m);
      if (keyBytes !== undefined) {
        // Read in file order, written in routed order (one miss per row on the writing side only).
        const ids = o.rowIds!;
        const base = byteBase[c];
        const from = keyBytes[key];
        ids.at[j] = from - base;
        if (m >= 0) keyBytes[key] = base + meters.copyId!(m, ids.bytes, from - base);
      }
      if (b.reject[row] !== 0) o.rejectedRaw.set(j, b.rejectedRaw.get(row) ?? b.rawOf(row));
    }
  }
  return out;
}

function rowIdsOf(rows: number, bytes: number): RowIds {
  const at = new Int32Array(rows + 1);
  at[rows] = bytes;
  return { bytes: new Uint8Array(bytes), at };
}
