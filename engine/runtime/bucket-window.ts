// Readings routed by bucket before they are decided (DESIGN.md "Cost follows the work"): a
// window of decoded batches is reordered, stably, by bucket (order-by-bucket.ts), then cut into batches
// again. A nightly file names every meter once, in no useful order, so a batch of it would touch
// every bucket and rewrite every bucket's state; reordered, each bucket's state is written about
// once per window and its ledger is one segment. A meter's readings keep their file order (the
// sort is stable) and each row keeps its source line. The decoder's worker uses this, and the
// register-limit check below, which needs the registry only of buckets that have limits.
import type { ReadingBatch } from "../ingest/batch.js";
import { batchId } from "../ingest/batch-id.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import { debouncedOf, isSensorRow, limitReason } from "../ingest/limits.js";
import { decodeRegistry, registryWithoutLimits } from "../store/bucket-registry-blob.js";
import { BUCKETS_PER_PARTITION, meterHash } from "../store/contract.js";
import type { PartitionedStore } from "../store/contract.js";
import { orderByBucket } from "./order-by-bucket.js";

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

/** A store that reads registry BLOBs without the state beside them (SqliteStore, PostgresStore). */
interface RegistryReader {
  readRegistries(buckets: readonly number[]): Promise<Array<{ bucket: number; registry: Uint8Array }>>;
  /** Those of the buckets whose registry may have limits (the stores' `limits` column not 0). */
  readLimitedRegistries?(buckets: readonly number[]): Promise<Array<{ bucket: number; registry: Uint8Array }>>;
}

interface BucketLimits {
  slotOf: Map<string, number>;
  digits: Uint8Array;
  reset: Float64Array;
  pulseWeight: Float64Array;
}

/**
 * `rejectByRegistry` (ingest/limits.ts) without a working set: a bucket whose store row says no
 * meter has a register limit or a pulse weight (the common case: its `limits` column, else its
 * registry BLOB's header) is not read further; only the other buckets' ids are decoded.
 */
export class RegistryLimitCheck {
  readonly #store: PartitionedStore;
  readonly #buckets: MeterBuckets;
  /** Per bucket: undefined not read, null no limits. */
  readonly #limits: Array<BucketLimits | null | undefined>;
  /**
   * Buckets not read yet, and buckets read with limits: once every bucket is read (a nightly
   * file's first batch names them all), a batch needs no look at its rows' buckets to find
   * which to read, and none at all while no bucket has limits (most fleets).
   */
  #unread: number;
  #limited = 0;

  constructor(store: PartitionedStore, buckets: MeterBuckets) {
    this.#store = store;
    this.#buckets = buckets;
    this.#limits = new Array(buckets.bucketCount).fill(undefined);
    this.#unread = buckets.bucketCount;
  }

  async reject(batch: ReadingBatch): Promise<number> {
    if (this.#unread > 0) await this.#read(batch);
    if (this.#limited === 0) return 0;
    let rejected = 0;
    for (let row = 0; row < batch.length; row++) {
      const m = batch.meter[row];
      if (m < 0 || batch.reject[row] !== 0 || isSensorRow(batch, row)) continue;
      const limits = this.#limits[this.#buckets.of(m)];
      if (limits === null || limits === undefined) continue;
      const k = limits.slotOf.get(batch.meters.idOf(m));
      if (k === undefined) continue;
      const reason = limitReason(batch.value[row], limits.digits[k], limits.reset[k], limits.pulseWeight[k], debouncedOf(batch, row));
      if (reason === 0) continue;
      batch.reject[row] = reason;
      if (!batch.rejectedRaw.has(row)) batch.rejectedRaw.set(row, batch.rawOf(row));
      rejected++;
    }
    return rejected;
  }

  /** Reads the limits of the buckets of the batch's rows that are not read yet. */
  async #read(batch: ReadingBatch): Promise<void> {
    const wanted = new Set<number>();
    for (let row = 0; row < batch.length; row++) {
      const m = batch.meter[row];
      if (m < 0 || batch.reject[row] !== 0) continue;
      const b = this.#buckets.of(m);
      if (this.#limits[b] === undefined) wanted.add(b);
    }
    if (wanted.size === 0) return;
    const list = [...wanted].sort((a, b) => a - b);
    for (const b of list) this.#limits[b] = null;
    this.#unread -= list.length;
    // Only the registry BLOBs of buckets that may have limits, where the store knows which
    // (their `limits` column: most fleets have none, and a nightly run read every registry
    // here, 25 MB for a million meters); else every registry BLOB.
    const store = this.#store as PartitionedStore & Partial<RegistryReader>;
    const rows = store.readLimitedRegistries !== undefined ? await store.readLimitedRegistries(list)
      : store.readRegistries !== undefined ? await store.readRegistries(list) : await store.readBuckets(list);
    for (const row of rows) {
      if (registryWithoutLimits(row.registry)) continue;
      const reg = decodeRegistry(row.registry);
      const slotOf = new Map<string, number>();
      for (let i = 0; i < reg.size; i++) slotOf.set(reg.ids[i], i);
      this.#limits[row.bucket] = { slotOf, digits: reg.digits, reset: reg.reset, pulseWeight: reg.pulseWeight };
      this.#limited++;
    }
  }
}

/**
 * Routes a file's batches by bucket (see the top of this file), a window of about `window` rows
 * at a time. Every batch it yields carries its content id, taken over its rows as decoded;
 * `check` runs on each decoded batch after its id is taken (registry checks that keep raw
 * text). Pulse and sensor columns go with their rows; a window of one batch goes through as it is.
 */
export async function* routeByBucket(source: AsyncIterable<ReadingBatch>, options: {
  partitions: number; batchSize: number; meters: MeterIndex; window?: number; check?: (batch: ReadingBatch) => Promise<void> | void;
  /**
   * false: routed batches keep only the raw text of rows rejected by then (rawOf gives "" for the
   * others), so a window holds no other text and its decoded batches are freed once routed. The
   * decoding thread routes after every check that needs raw text. Default true.
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
    for (const routed of orderByBucket(gathered, before, buckets, batchSize, keepRaw)) {
      if (!keepRaw && gathered.length > 0) {
        // Every row is dealt by now: nothing refers to the decoded batches any more.
        gathered.length = 0;
        before.length = 0;
      }
      const { decoded: reject, ...columns } = routed;
      yield { ...columns, meters, batchId: batchId({ ...columns, reject, meters }) };
    }
  }
  for await (const batch of source) {
    // A window's batches get their ids once routed (a window of one, at its flush), over their
    // rows as decoded: `reject` before `check`.
    decoded.push(batch.reject.slice());
    await check?.(batch);
    // Without raw text, a window keeps no more of a batch's text than its rejected rows': the
    // file's bytes it was decoded from are freed while the window fills (nightly 1M: 27 MB).
    window.push(keepRaw ? batch : withoutText(batch));
    rows += batch.length;
    if (rows >= limit) yield* flush();
  }
  yield* flush();
}

/** Rows gathered before they are routed: about one nightly file of a million meters. */
export const WINDOW = 1 << 20;

/** A batch's own columns as a plain object (rawOf bound to the batch), its pulse and sensor columns too. */
function pickColumns(b: ReadingBatch): ReadingBatch {
  return { length: b.length, line: b.line, meter: b.meter, end: b.end, value: b.value, override: b.override, source: b.source,
    verification: b.verification, reject: b.reject, rejectedRaw: b.rejectedRaw, rawOf: (row) => b.rawOf(row), meters: b.meters, ...extraColumns(b) };
}

/** A batch's columns with the raw text of its rows rejected so far (rawOf gives "" for the others). */
function withoutText(b: ReadingBatch): ReadingBatch {
  const { rejectedRaw } = b;
  const stripped: ReadingBatch = {
    length: b.length, line: b.line, meter: b.meter, end: b.end, value: b.value, override: b.override, source: b.source,
    verification: b.verification, reject: b.reject, rejectedRaw, rawOf: (row) => rejectedRaw.get(row) ?? "", meters: b.meters, ...extraColumns(b),
  };
  return b.batchId === undefined ? stripped : withId(stripped, b.batchId);
}

/** The pulse and sensor columns a batch has (none for plain register readings). */
function extraColumns(b: ReadingBatch): Pick<ReadingBatch, "pulse" | "sensorRow" | "sensors"> {
  return {
    ...(b.pulse === undefined ? {} : { pulse: b.pulse }),
    ...(b.sensorRow === undefined ? {} : { sensorRow: b.sensorRow }),
    ...(b.sensors === undefined ? {} : { sensors: b.sensors }),
  };
}

/** The batch with its id (its own methods kept: rawOf reads the decoder's text). */
function withId(batch: ReadingBatch, id: string): ReadingBatch {
  Object.defineProperty(batch, "batchId", { value: id, enumerable: true, configurable: true });
  return batch;
}
