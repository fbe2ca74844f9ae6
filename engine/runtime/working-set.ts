// The meters a run has touched, as dense columns: their registry and state, loaded from the
// store a bucket at a time when a batch first names one of them. Cost follows the readings:
// ten readings load ten buckets, not the fleet. Keys are dense and local to the run (a bucket's
// meters get consecutive keys); the store knows meters by bucket and slot.
import { NO_DAY } from "../ingest/batch.js";
import { decodeRegistry, decodeStateInto, encodeState, stateMeters } from "../store/bucket.js";
import { BUCKETS_PER_PARTITION, meterHash } from "../store/contract.js";
import type { BucketRow, PartitionedStore } from "../store/contract.js";
import { CHAIN_PULSE, CHAIN_REGISTER, CHAIN_UNKNOWN, createState } from "../store/state.js";
import type { MeterState } from "../store/state.js";
import { StringCodes } from "../store/meter-table.js";
import type { MeterTable } from "../store/meter-table.js";
import { IdIndex } from "./id-index.js";
import { MeterIds } from "./meter-ids.js";

const utf8 = new TextDecoder();

type Numeric = "scale" | "reset" | "digits" | "mode" | "pulseWeight" | "pulseInput" | "pulseWidthMs" | "qmax" | "noPulseDays" | "debounceMs" | "baseValue" | "baseEnd";
const NUMERIC: ReadonlyArray<[Numeric, number]> = [
  ["scale", 1], ["reset", Number.NaN], ["digits", 0], ["mode", 0], ["pulseWeight", Number.NaN], ["pulseInput", 0],
  ["pulseWidthMs", Number.NaN], ["qmax", Number.NaN], ["noPulseDays", Number.NaN], ["debounceMs", Number.NaN],
  ["baseValue", Number.NaN], ["baseEnd", NO_DAY],
];

/**
 * Float64 columns whose default is NaN (not given): most fleets give few of them (a register
 * fleet no pulse settings, no register limits; half its meters no baseline). Until a loaded
 * bucket gives a value, such a column is one NaN column shared with the others (read only;
 * 8 bytes per meter once instead of per column: 40 MB of a million register meters).
 */
const SHARED_NAN: ReadonlySet<Numeric> = new Set<Numeric>(["reset", "pulseWeight", "pulseWidthMs", "qmax", "noPulseDays", "debounceMs", "baseValue"]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Where a loaded bucket's meters are: keys [first, first + size). */
interface LoadedBucket {
  first: number;
  size: number;
  /** The bucket's version as read (a commit's bucket fence); 0 when the store had no row for it. */
  version: number;
}

export class WorkingSet {
  readonly meters: Mutable<MeterTable> & { keyOf: IdIndex; ids: MeterIds; type: StringCodes; unit: StringCodes };
  readonly state: MeterState;
  readonly #store: PartitionedStore;
  readonly #buckets = new Map<number, LoadedBucket>();
  /** Per key: its bucket. */
  #bucket = new Int32Array(1024);
  #capacity = 0;
  readonly bucketCount: number;
  /** Loads run one at a time, in order (a prefetch and a batch's load never interleave). */
  #loading: Promise<void> = Promise.resolve();
  #failure: unknown;
  /** Per bucket: 1 once a prefetch asked for it. */
  #queued = new Uint8Array(0);
  /** The NaN column the SHARED_NAN columns without a value refer to. */
  #nan = new Float64Array(0);
  /** SHARED_NAN columns that hold values (a column of their own). */
  readonly #own = new Set<Numeric>();
  /** Meters the store holds, when told (expect()); 0 when not. */
  #registered = 0;

  constructor(store: PartitionedStore) {
    this.#store = store;
    this.bucketCount = store.partitions * BUCKETS_PER_PARTITION;
    const ids = new MeterIds();
    const table = { size: 0, ids, keyOf: new IdIndex(ids), type: new StringCodes(), unit: new StringCodes() } as unknown as WorkingSet["meters"];
    for (const [name, fill] of NUMERIC) (table as unknown as Record<string, unknown>)[name] = SHARED_NAN.has(name) ? this.#nan : column(name, 0, fill);
    this.meters = table;
    this.state = createState(0);
  }

  /** Meters loaded so far. */
  get size(): number {
    return this.meters.size;
  }

  /** The bucket of a meter id (the store's bucket function). */
  bucketOf(meterId: string): number {
    return meterHash(meterId) % this.bucketCount;
  }

  /** The key of a loaded meter by its id and the id's meterHash; -1 when not loaded (or not registered). */
  find(meterId: string, hash: number): number {
    return this.meters.keyOf.find(meterId, hash);
  }

  /** The same for an id given as UTF-8 bytes `bytes[start, end)`, with no string made. */
  findBytes(bytes: Uint8Array, start: number, end: number, hash: number): number {
    return this.meters.keyOf.findBytes(bytes, start, end, hash) ?? this.find(utf8.decode(bytes.subarray(start, end)), hash);
  }

  /** Whether this bucket is loaded. */
  hasBucket(bucket: number): boolean {
    return this.#buckets.has(bucket);
  }

  /** Room for `n` meters, so loading up to that many allocates the columns once. */
  reserve(n: number): void {
    this.#grow(n, true);
  }

  /**
   * The store holds about this many meters (its registered count): a load makes room for its
   * buckets' share of them at once.
   */
  expect(registered: number): void {
    this.#registered = registered;
  }

  /** Whether the bucket of this meter id is loaded (then a meter not in `keyOf` is not registered). */
  hasBucketOf(meterId: string): boolean {
    return this.#buckets.has(this.bucketOf(meterId));
  }

  /** Loads the buckets of these meter ids that are not loaded yet. */
  async load(meterIds: Iterable<string>): Promise<void> {
    const wanted = new Set<number>();
    for (const id of meterIds) wanted.add(this.bucketOf(id));
    await this.loadBuckets(wanted);
  }

  /**
   * Starts loading the buckets of these meterHashes in the background (a decoding worker names
   * meters before their batches arrive); a later loadBuckets waits for it. A failure here fails
   * the next loadBuckets.
   */
  prefetch(hashes: ArrayLike<number>): void {
    const count = this.bucketCount;
    if (this.#queued.length !== count) this.#queued = new Uint8Array(count);
    const queued = this.#queued;
    const wanted: number[] = [];
    for (let i = 0; i < hashes.length; i++) {
      const b = hashes[i] % count;
      if (queued[b] === 0) {
        queued[b] = 1;
        wanted.push(b);
      }
    }
    if (wanted.length === 0) return;
    this.#loading = this.#loading.then(() => this.#load(wanted)).catch((error: unknown) => {
      this.#failure ??= error;
    });
  }

  /** Loads these buckets (those not loaded yet), after any load under way. */
  async loadBuckets(buckets: Iterable<number>): Promise<void> {
    const list = [...buckets];
    const run = this.#loading.then(() => this.#load(list));
    this.#loading = run.catch(() => {});
    return run;
  }

  async #load(buckets: Iterable<number>): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const wanted = new Set<number>();
    for (const b of buckets) if (!this.#buckets.has(b)) wanted.add(b);
    if (wanted.size === 0) return;
    const list = [...wanted].sort((a, b) => a - b);
    if (this.#registered > 0) {
      // Room for the buckets' share of the store's meters at once (the hash spreads them evenly),
      // a little over: loaded chunk by chunk, the columns would otherwise double again and again.
      const share = Math.ceil((this.#registered * list.length * 1.05) / this.bucketCount) + 256;
      this.#grow(this.meters.size + Math.min(share, this.#registered + 256), true);
    }
    // Read once per load, and only when a bucket has meters no state was written for yet.
    let unknown: Map<number, Array<[string, number, number]>> | undefined;
    // A chunk of buckets at a time: each chunk's BLOBs are garbage before the next is read, and
    // their memory is reused (read at once, a million meters' BLOBs took 67 MB of fresh pages).
    for (let i = 0; i < list.length; i += LOAD_CHUNK) {
      const chunk = list.slice(i, i + LOAD_CHUNK);
      const rows = await this.#store.readBuckets(chunk);
      for (const b of chunk) this.#buckets.set(b, { first: this.meters.size, size: 0, version: 0 });
      let total = this.meters.size;
      for (const row of rows) total += row.meters;
      this.#grow(total);
      if (unknown === undefined && rows.some(hasNewMeters)) unknown = await this.#unknownHeld();
      for (const row of rows) this.#put(row, unknown?.get(row.bucket));
    }
  }

  /**
   * The store's open `unknown_meter` holds by bucket: [meter id, its meterHash, how many]. Held
   * while their meter was not registered, no state counted them; a meter registered since counts
   * them as held readings (#put), so an exact re-send is a duplicate and its held index and a
   * release find them (a re-send was billed again while its held record stayed open). Only a
   * meter without state can have such holds uncounted: its first load counts them, and the state
   * its bucket is written with from then on keeps the count.
   */
  async #unknownHeld(): Promise<Map<number, Array<[string, number, number]>>> {
    const byBucket = new Map<number, Array<[string, number, number]>>();
    for (const { meterId, count } of await this.#store.unknownHeld()) {
      const hash = meterHash(meterId);
      const bucket = hash % this.bucketCount;
      let list = byBucket.get(bucket);
      if (list === undefined) byBucket.set(bucket, (list = []));
      list.push([meterId, hash, count]);
    }
    return byBucket;
  }

  /**
   * Appends a bucket's meters (registry and state) as read from the store; `unknown`, the
   * bucket's open `unknown_meter` holds (#unknownHeld).
   */
  #put(row: BucketRow, unknown?: ReadonlyArray<[string, number, number]>): void {
    const reg = decodeRegistry(row.registry, { idBytes: true });
    const first = this.meters.size;
    const t = this.meters;
    // Keys are dense and appended in order, into arrays #grow made long enough.
    t.ids.append(reg.idText, reg.idEnds, reg.size);
    this.#bucket.fill(row.bucket, first, first + reg.size);
    t.type.put(first, reg.type, reg.size);
    t.unit.put(first, reg.unit, reg.size);
    t.keyOf.extend(first + reg.size);
    for (const [name] of NUMERIC) {
      const values = reg[name] as ArrayLike<number>;
      if (SHARED_NAN.has(name) && !this.#own.has(name)) {
        if (allNaN(values, reg.size)) continue;
        this.#ownColumn(name);
      }
      (t[name] as Float64Array).set(values as never, first);
    }
    decodeStateInto(this.state, first, reg.size, row.state);
    const { chain, chainFrom, lastEnd, lastValue, pulseEnd } = this.state;
    for (let i = 0; i < reg.size; i++) {
      const k = first + i;
      // A chain of the other kind's values (a meter moved between a register and a pulse type):
      // its next reading starts a new one, and readings up to its last day lie before it.
      const kind = t.pulseWeight[k] > 0 ? CHAIN_PULSE : CHAIN_REGISTER;
      if (chain[k] !== kind) {
        if (chain[k] !== CHAIN_UNKNOWN && lastValue[k] === lastValue[k]) {
          chainFrom[k] = Math.max(lastEnd[k], pulseEnd[k]);
          lastValue[k] = Number.NaN;
        }
        chain[k] = kind;
        pulseEnd[k] = NO_DAY;
      }
      // A registry baseline is the chain's start until a trusted reading follows it.
      if (lastEnd[k] === NO_DAY && t.baseEnd[k] !== NO_DAY) {
        lastEnd[k] = t.baseEnd[k];
        lastValue[k] = t.baseValue[k];
      }
    }
    t.size = this.state.size = first + reg.size;
    if (unknown !== undefined) {
      const { heldCount } = this.state;
      const stateless = first + (row.state === null ? 0 : stateMeters(row.state));
      for (const [meterId, hash, count] of unknown) {
        const k = t.keyOf.find(meterId, hash);
        if (k >= stateless && heldCount[k] < count) heldCount[k] = count;
      }
    }
    this.#buckets.set(row.bucket, { first, size: reg.size, version: row.version });
  }

  /** The bucket and slot of a loaded meter. */
  placeOf(key: number): { bucket: number; slot: number } {
    const bucket = this.#bucket[key];
    return { bucket, slot: key - this.#buckets.get(bucket)!.first };
  }

  /** Where a loaded bucket's meters are: keys first .. first + size - 1, by slot; undefined when not loaded. */
  bucketKeys(bucket: number): { readonly first: number; readonly size: number } | undefined {
    return this.#buckets.get(bucket);
  }

  /** The version a loaded bucket had when it was read (what its state here is of). */
  versionOf(bucket: number): number {
    return this.#buckets.get(bucket)!.version;
  }

  /**
   * A loaded bucket's version moved on by a commit of this working set's own state (a worker's
   * session keeps its working set for the next batch, which is fenced at this version).
   */
  setVersion(bucket: number, version: number): void {
    const b = this.#buckets.get(bucket);
    if (b !== undefined) b.version = version;
  }

  /** The key of a bucket's slot (for ledger segments, which name meters by slot). */
  keyAt(bucket: number, slot: number): number {
    return this.#buckets.get(bucket)!.first + slot;
  }

  /** The bucket of a loaded meter. */
  bucketOfKey(key: number): number {
    return this.#bucket[key];
  }

  /** The partition of a bucket. */
  partitionOfBucket(bucket: number): number {
    return bucket % this.#store.partitions;
  }

  /**
   * The state BLOBs of these buckets as they are now. A meter still at its registry baseline (no
   * trusted reading since: only held ones, or none) is stored without it, so the registry's
   * baseline stays the chain's start until a trusted reading follows it: one fixed in the
   * registry after a held reading is used (README "a baseline is used only while the meter has
   * no state of its own").
   */
  stateOf(buckets: Iterable<number>): Array<{ bucket: number; meters: number; state: Uint8Array }> {
    const out: Array<{ bucket: number; meters: number; state: Uint8Array }> = [];
    const { lastEnd, lastValue } = this.state;
    const { baseEnd, baseValue } = this.meters;
    for (const bucket of buckets) {
      const b = this.#buckets.get(bucket)!;
      const seeded: number[] = [];
      for (let k = b.first; k < b.first + b.size; k++) {
        if (baseEnd[k] !== NO_DAY && lastEnd[k] === baseEnd[k] && lastValue[k] === baseValue[k]) {
          seeded.push(k);
          lastEnd[k] = NO_DAY;
          lastValue[k] = Number.NaN;
        }
      }
      out.push({ bucket, meters: b.size, state: encodeState(this.state, b.first, b.size) });
      for (const k of seeded) {
        lastEnd[k] = baseEnd[k];
        lastValue[k] = baseValue[k];
      }
    }
    return out;
  }

  /** A SHARED_NAN column given a column of its own (NaN until set). */
  #ownColumn(name: Numeric): void {
    this.#own.add(name);
    (this.meters as unknown as Record<string, unknown>)[name] = this.#nan.slice();
  }

  #grow(size: number, exact = false): void {
    if (size <= this.#capacity) return;
    const capacity = exact ? size : Math.max(size, this.#capacity * 2, 1024);
    this.#nan = new Float64Array(capacity).fill(Number.NaN);
    for (const [name, fill] of NUMERIC) {
      if (SHARED_NAN.has(name) && !this.#own.has(name)) {
        (this.meters as unknown as Record<string, unknown>)[name] = this.#nan;
        continue;
      }
      const next = column(name, capacity, fill);
      next.set(this.meters[name] as never);
      (this.meters as unknown as Record<string, unknown>)[name] = next;
    }
    const state = createState(capacity);
    for (const key of Object.keys(state) as Array<keyof MeterState>) {
      if (key === "size") continue;
      (state[key] as Float64Array).set(this.state[key] as never);
      (this.state as unknown as Record<string, unknown>)[key] = state[key];
    }
    const bucket = new Int32Array(capacity);
    bucket.set(this.#bucket.subarray(0, Math.min(this.#bucket.length, capacity)));
    this.#bucket = bucket;
    // The id column grows in place (others hold it: the held index, the id index), room for
    // ids of the length of those loaded so far (16 bytes each before any).
    const ids = this.meters.ids;
    const perId = ids.size === 0 ? 16 : Math.ceil(ids.bytesOf(ids.size - 1).end / ids.size);
    ids.reserve(capacity, Math.ceil(capacity * perId * 1.05));
    for (const c of [this.meters.type, this.meters.unit]) {
      const codes = new Uint32Array(capacity);
      codes.set(c.codes.subarray(0, Math.min(c.codes.length, capacity)));
      c.codes = codes;
    }
    this.#capacity = capacity;
  }
}

/** Whether a bucket has meters its state BLOB does not cover yet (registered since it was written). */
function hasNewMeters(row: BucketRow): boolean {
  return (row.state === null ? 0 : stateMeters(row.state)) < row.meters;
}

/** Buckets read from the store at a time (a load of more reads them in chunks). */
const LOAD_CHUNK = 256;

function column(name: Numeric, size: number, fill: number): Float64Array | Uint8Array | Int32Array {
  const ctor = name === "digits" || name === "mode" || name === "pulseInput" ? Uint8Array : name === "baseEnd" ? Int32Array : Float64Array;
  const c = new ctor(size);
  if (fill !== 0) c.fill(fill);
  return c;
}

function allNaN(values: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) if (values[i] === values[i]) return false;
  return true;
}
