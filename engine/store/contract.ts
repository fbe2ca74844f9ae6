// The store contract (DESIGN.md "Architecture"): async, partitioned, one fenced and idempotent
// transaction per batch. SQLite (embedded default) and PostgreSQL (shared) implement it and pass
// the same contract suite (tests/engine/store/contract.test.ts).
//
// Layout every implementation keeps, so a run loads what its batches touch and not the fleet:
// - a meter belongs to one partition and one bucket, both from `meterHash` of its id (below);
//   the partition count is fixed when a store is created, buckets = partitions x BUCKETS_PER_PARTITION;
// - per bucket, one row: its meters' registry columns and their state columns as two BLOBs
//   (engine/store/bucket.ts encodes them; a store never looks inside);
// - the ledger (history) as columnar segments: one BLOB per committed batch and bucket, in
//   history.ts's encoding, where an entry's `meter` is the meter's slot in its bucket (its index
//   in the bucket's registry BLOB, kept for the life of the store: a registry merge only appends);
// - held readings, operator flags, alerts, threshold episodes and audit as rows;
// - per bucket a version, and per version the meters (slots) the commit that made it decided: a
//   commit applies only if no other writer committed, since the versions the batch read, a change
//   to one of the meters the batch decided (bucket-fence.ts); where another writer changed other
//   meters of a bucket, the batch's state rows are merged into the bucket's state as stored. A
//   per partition version is moved on by every commit too (commits without bucket fences check it).
import type { PulseDerivedField, PulseField } from "../ingest/pulse-fields.js";
import type { MeterRecord } from "../meters/meter.js";
import type { RegistryTable } from "../meters/registry-table.js";

/**
 * The meta key a store's registry write increments in its own transaction: a worker's cached
 * slices are valid while it is unchanged (a file digest is not: a partial registry file imported
 * again after another can bring it back while the stored registry differs).
 */
export const REGISTRY_GENERATION = "registry_generation";

/** Buckets per partition: a bucket is the unit of loading (registry and state BLOBs). */
export const BUCKETS_PER_PARTITION = 256;

/** Partitions of a store created without a count. */
export const DEFAULT_PARTITIONS = 16;

const utf8 = new TextEncoder();

/**
 * FNV-1a 32-bit over the UTF-8 bytes of a meter id, as an unsigned integer. The partition of a
 * meter is `meterHash(id) % partitions` and its bucket `meterHash(id) % (partitions *
 * BUCKETS_PER_PARTITION)` (so `bucket % partitions` is its partition). NATS subjects
 * `meterflow.readings.<partition>` use the same function.
 * @example partitionOf("M-000001", 16)
 */
export function meterHash(meterId: string): number {
  let h = 0x811c9dc5;
  // ASCII ids (the common case) hash without an encoder.
  let ascii = true;
  for (let i = 0; i < meterId.length; i++) {
    const c = meterId.charCodeAt(i);
    if (c > 0x7f) {
      ascii = false;
      break;
    }
    h = Math.imul(h ^ c, 0x01000193);
  }
  if (ascii) return h >>> 0;
  h = 0x811c9dc5;
  for (const byte of utf8.encode(meterId)) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

/** The partition of a meter (see meterHash). */
export function partitionOf(meterId: string, partitions: number): number {
  return meterHash(meterId) % partitions;
}

/** The bucket of a meter (see meterHash). */
export function bucketOf(meterId: string, partitions: number): number {
  return meterHash(meterId) % (partitions * BUCKETS_PER_PARTITION);
}

/** One bucket as stored: its meters' registry and state BLOBs (engine/store/bucket.ts). */
export interface BucketRow {
  bucket: number;
  /** Meters in the bucket (registry order; state BLOBs cover a prefix of them). */
  meters: number;
  registry: Uint8Array;
  /** null until a batch committed state for the bucket. */
  state: Uint8Array | null;
  /** The bucket's version as the BLOBs were read (same statement): a commit's BucketFence base. */
  version: number;
}

/** One ledger segment: the history entries one batch committed for one bucket (history.ts encoding). */
export interface SegmentRow {
  bucket: number;
  batchId: string;
  entries: number;
  data: Uint8Array;
}

/** An operator's (or a rule's) temp_bad flag; it lives apart from state so no run overwrites it. */
export interface FlagRow {
  meterId: string;
  reason: string;
  note: string;
  actor: string;
  /** ISO time it was set. */
  at: string;
}

/** A role of an API token: viewers read, operators act on meters, admins change rules, jobs and tokens. */
export type TokenRole = "viewer" | "operator" | "admin";

/** An API token as kept: its name (the audit's who), role and the SHA-256 of the token, never the token. */
export interface TokenRecord {
  name: string;
  role: TokenRole;
  /** Hex SHA-256 of the token. */
  hash: string;
  createdAt: string;
  /** When it was revoked (ISO), or null while it is valid. */
  revokedAt: string | null;
}

/** A photo (of a manual reading's meter), content-addressed by the hex SHA-256 of its bytes. */
export interface PhotoRecord {
  sha256: string;
  /** image/jpeg, image/png or image/webp, as its bytes say. */
  mediaType: string;
  bytes: Uint8Array;
}

/** A photo's bytes as a Buffer over the same memory (what both stores' drivers bind). */
export const photoBytes = (p: PhotoRecord): Buffer => Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);

/** Unresolved held readings in sum: meters with any, readings, and readings by each hold reason. */
export interface HeldSummary {
  meters: number;
  readings: number;
  /** Readings by reason (a reading with several reasons counts under each). */
  byReason: Record<string, number>;
}

/** Committed batches' counts in sum (every batch ever committed to the store). */
export interface BatchTotals {
  batches: number;
  rows: number;
  billable: number;
  held: number;
  rejected: number;
  duplicates: number;
  sensor: number;
}

/** What a registry import did. */
export interface ImportCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** The rows of the queryable registry (billing periods read these): every MeterRecord field. */
export type RegistryRow = MeterRecord;

/** Registry rows to write: records, or the same as columns (an import's table). */
export type RegistryRows = readonly RegistryRow[] | RegistryTable;

/** Registry rows that arrive while their file is still being read: tables of consecutive rows, in order. */
export type RegistryRowStream = AsyncIterable<RegistryTable>;

/**
 * A ledger segment as listed for one meter's reads, without its BLOB: its id (commit order), and
 * the latest end day among its entries (null for segments written before it was kept: any day).
 */
export interface SegmentEntry {
  id: number;
  maxEnd: number | null;
}

/**
 * A ledger segment as a bucket's index lists it (segmentIndex), without its BLOB: its id, its
 * latest end day (null: any day) and the bitmap of the bucket slots it holds entries of (null:
 * it does not say; any slot).
 */
export interface SegmentIndexRow extends SegmentEntry {
  bucket: number;
  slots: Uint8Array | null;
}

/** Buckets' registry BLOBs to write, with their meter counts. */
export type RegistryBlobs = ReadonlyArray<{ bucket: number; meters: number; registry: Uint8Array }>;

/**
 * The BLOBs of an import whose rows are streamed, asked for as its transaction begins and written
 * after the rows: `stored` reads the registry BLOBs of the buckets it names (absent: none stored)
 * as the import found them, at any time while the rows are being written, for the new ones to be
 * merged with.
 */
export type RegistryBlobSource = (stored: (buckets: readonly number[]) => Promise<Array<{ bucket: number; registry: Uint8Array }>>) => Promise<RegistryBlobs>;

/** A held reading as kept: its decision, and the original reading so a release can re-judge it. */
export interface HeldRecord {
  readingId: string;
  meterId: string;
  endDay: number;
  /** The reading as it arrived: value, override (NaN none), source and verification codes. */
  value: number;
  override: number;
  source: number;
  verification: number;
  /** `|`-separated hold reasons. */
  reasons: string;
  /** Its held.csv row as JSON (engine/pipeline/output.ts holdRow). */
  line: string;
  /** True when it came with a photo of its meter (the has_photo fact), so a release judges it with one; absent: none. */
  photo?: boolean;
  /**
   * A pulse reading's interval data as it arrived (the pulse columns it gave, e.g.
   * `pulse_debounced`), so a release bills and judges it on the same facts; absent: none.
   */
  pulse?: HeldPulse;
}

/**
 * The pulse columns a held reading came with, by readings column name, and an events day
 * reading's `day_min` (ingest/pulse-fields.ts PULSE_DERIVED; NaN = not given: left out). Kept as
 * JSON text (held-pulse.ts): a record written before a name existed decodes without it.
 */
export type HeldPulse = Readonly<Partial<Record<PulseField | PulseDerivedField, number>>>;

/** An alert as committed (alerts.csv row as JSON in `line`). */
export interface AlertRecord {
  meterId: string;
  endDay: number;
  rule: string;
  line: string;
}

/** One set or clear of a meter's temp_bad flag, or a release of its held reading, with who and why. */
export interface AuditRecord {
  meterId: string;
  action: "set" | "clear" | "release";
  reason: string;
  actor: string;
}

/** A held reading an operator released: the batch that billed it resolves its held record. */
export interface ReleaseRecord {
  meterId: string;
  endDay: number;
  /** The value as it arrived (with meter and end, it names the held record). */
  value: number;
  /** The operator's reason, and who released it (audited). */
  reason: string;
  actor: string;
}

/** Which held readings to list: unresolved ones, filtered, paged by `after` (a listing's id). */
export interface HeldQuery {
  meterId?: string;
  /** One hold reason: a record matches when it is among its `|`-separated reasons. */
  reason?: string;
  readingId?: string;
  /** The id of the last row of the previous page. */
  after?: number;
  limit: number;
}

/** A held reading as listed for an operator. */
export interface HeldListing extends HeldRecord {
  /** Its record's id (a cursor for the next page). */
  id: number;
  batchId: string;
  rulesVersion: string | null;
  /** When its batch was committed (ISO). */
  heldAt: string;
}

/** A ledger segment as a meter's snapshot gives it: newest first, its BLOB absent past the snapshot's limit. */
export interface SnapshotSegment {
  id: number;
  /**
   * The latest end day this segment and every older one that may hold the meter may hold
   * (2147483647 where one does not say): no older segment can change a day after it.
   */
  restEnd: number;
  /** The segment's rows; null for the one segment listed past the limit (its restEnd alone). */
  row: SegmentRow | null;
}

/**
 * What an operator's view of one meter reads (GET /v1/meters/:id), read together in one round
 * trip by a store that can (PartitionedStore.meterSnapshot).
 */
export interface MeterSnapshot {
  /** Its registry row; undefined when it is not in the registry. */
  registry: RegistryRow | undefined;
  flag: FlagRow | undefined;
  /** As meterVersion gives it. */
  version: number;
  /** Its unresolved held readings, oldest first, at most the limit asked. */
  held: Array<Pick<HeldListing, "readingId" | "endDay" | "value" | "reasons" | "rulesVersion">>;
  /** Its bucket's meter count and state BLOB as readBuckets gives them; undefined when the bucket is not stored. */
  bucket: { meters: number; state: Uint8Array | null } | undefined;
  /** Its slot in its bucket's registry; -1 when it is not there. */
  slot: number;
  /**
   * The ledger segments that may hold the meter (as segmentsOf lists them), newest first: at most
   * the limit asked with their rows, then one more without, if there is one.
   */
  segments: SnapshotSegment[];
}

/** A partition's version as a batch was decided on it (the commit's fence). */
export interface Fence {
  partition: number;
  version: number;
}

/**
 * A bucket as a batch was decided on it: its version when the batch's working set read it, and
 * the slots of the meters the batch decided there (their state, ledger, held readings and
 * episodes are what the decision read). `slots` null: every meter of the bucket.
 */
export interface BucketFence {
  bucket: number;
  version: number;
  slots: Uint32Array | readonly number[] | null;
}

/**
 * A batch's sensor channel figures (a run's `summary.json` `sensors`: engine/decide/sensors.ts
 * SensorStats), kept with its commit so a rerun that adopts the batch counts them too.
 */
export interface BatchSensors {
  values: number;
  out_of_range: number;
  late: number;
  alerts: number;
}

/**
 * A batch's sensor figures as its `batches` row keeps them: `values,out_of_range,late,alerts`;
 * null when absent or all zero (a batch without sensor values: most of them).
 */
export function encodeBatchSensors(s: BatchSensors | undefined): string | null {
  if (s === undefined || (s.values === 0 && s.out_of_range === 0 && s.late === 0 && s.alerts === 0)) return null;
  return `${s.values},${s.out_of_range},${s.late},${s.alerts}`;
}

/** The `sensors` field of a committed batch from its column (encodeBatchSensors): none for null. */
export function batchSensorsField(column: string | null | undefined): { sensors?: BatchSensors } {
  if (column === null || column === undefined) return {};
  const [values, out_of_range, late, alerts] = column.split(",").map(Number);
  return { sensors: { values, out_of_range, late, alerts } };
}

/** Everything one batch changes, committed in one transaction. */
export interface Commit {
  batchId: string;
  runId: number;
  seq: number;
  /** Source position: the input file (or subject) and the batch's place in it. */
  input: string;
  counts: { rows: number; billable: number; held: number; rejected: number; duplicates: number; sensor: number };
  /** The batch's sensor channel figures (absent, or all zero: none). */
  sensors?: BatchSensors;
  rulesVersion: string;
  /**
   * Without `buckets`: every partition the batch touched, at the version it was decided on (the
   * commit applies only if each is still there). With `buckets`, ignored (may be empty).
   */
  fence: Fence[];
  /**
   * Every bucket the batch reads or writes (state and segments), as it was decided on: the commit
   * is refused (FENCED) only when another writer changed one of the batch's meters since; a
   * commit of the same `runId` (> 0) is not another writer (a run's batches build on its own).
   */
  buckets?: BucketFence[];
  /** New state BLOBs of the buckets the batch changed. */
  state: Array<{ bucket: number; meters: number; state: Uint8Array }>;
  /**
   * Ledger entries, one segment per bucket; with the latest end day among them and the slots of
   * their meters, so one meter's reads skip segments without it (absent: the segment may hold any).
   */
  segments: Array<{ bucket: number; entries: number; data: Uint8Array; maxEnd?: number; slots?: Uint32Array | readonly number[] }>;
  held: HeldRecord[];
  alerts: AlertRecord[];
  /** temp_bad flags the rules set (`partition` for the flags table). */
  flags: Array<FlagRow & { partition: number }>;
  audit: AuditRecord[];
  /** Held readings an operator released and this batch billed: their held records are resolved. */
  released?: ReleaseRecord[];
  /** The batch's rejected rows (rejected.csv rows as JSON), kept so its outputs can be exported. */
  rejected?: string[];
  /** Threshold episodes of the batch's meters, by key, as JSON; null deletes. */
  episodes: Array<{ key: string; data: string | null }>;
  /** Photos its readings came with (a manual reading's), stored with it: kept once by hash. */
  photos?: PhotoRecord[];
}

/** A committed batch as recorded. */
export interface CommittedBatch {
  batchId: string;
  runId: number;
  runStatus: "running" | "finished" | "failed";
  counts: Commit["counts"];
  /**
   * Its sensor channel figures as committed; absent when it had none, or was committed before
   * they were kept (SQLite layout 12, PostgreSQL schema 15).
   */
  sensors?: BatchSensors;
}

/** A committed batch in commit order, for exports. */
export interface BatchListing extends CommittedBatch {
  /** Its place in commit order (increasing; gaps possible). */
  seq: number;
  input: string;
  rulesVersion: string | null;
  committedAt: string;
}

/** What a batch committed: ledger segments, held records, alerts and rejected rows (JSON). */
export interface BatchOutputs {
  segments: SegmentRow[];
  held: HeldRecord[];
  alerts: AlertRecord[];
  rejected: string[];
}

/** The async, partitioned store. Every method rejects with a StoreError (stable `code`). */
export interface PartitionedStore {
  readonly kind: "sqlite" | "postgres";
  /** Fixed when the store was created. */
  readonly partitions: number;
  /** The time zone it counts days in (UTC, `+01:00`, an IANA name), fixed when it was created. */
  readonly timeZone: string;

  /** The queryable registry rows of these meters (missing ids are left out). */
  registry(meterIds: readonly string[]): Promise<RegistryRow[]>;
  /**
   * One transaction: upserts the registry rows (records, a table's rows, or tables as they are
   * read) and replaces the registry BLOBs of the given buckets (keeping their state BLOBs); with a
   * RegistryBlobSource, the BLOBs it gives once the rows are written. A stream or source that
   * fails rolls the whole write back.
   */
  writeRegistry(rows: RegistryRows | RegistryRowStream, buckets: RegistryBlobs | RegistryBlobSource): Promise<void>;
  /** The stored buckets among `buckets` (a bucket with no meter is absent). */
  readBuckets(buckets: readonly number[]): Promise<BucketRow[]>;
  /** Every partition's version, by partition (0 for one never committed). */
  versions(): Promise<Int32Array>;
  /** The temp_bad flags of the meters of these partitions. */
  readFlags(partitions: readonly number[]): Promise<FlagRow[]>;
  /** One meter's temp_bad flag, if it has one (an operator's read: not its partition's every flag). */
  readFlag(meterId: string): Promise<FlagRow | undefined>;
  /**
   * Sets (replaces) or clears an operator's flag, audited in the same transaction. With
   * `ifVersion`, only while the meter's version (meterVersion) is still that: otherwise rejects
   * MF_ERR_STORE_VERSION and changes nothing. A store may resolve the meter's version after the
   * set (its audit record's id), saving its caller a meterVersion.
   */
  setFlag(partition: number, flag: FlagRow, ifVersion?: number): Promise<number | void>;
  clearFlag(partition: number, meterId: string, reason: string, actor: string, ifVersion?: number): Promise<boolean>;
  /**
   * A meter's version: the id of its latest audit record (0 when none), so it moves with every
   * set or clear of its flag (by an operator or the rules) and every release of its readings.
   */
  meterVersion(meterId: string): Promise<number>;
  /** The audit of a meter, oldest first. */
  audit(meterId: string): Promise<Array<AuditRecord & { at: string }>>;
  /** Ledger segments of these buckets, in commit order. */
  readSegments(buckets: readonly number[]): Promise<SegmentRow[]>;
  /**
   * The segments of `bucket` that may hold entries of the meter at `slot` (its slot is among
   * theirs, or they do not say), newest first, without their BLOBs: what one meter's recent
   * readings are read from (engine/store/ledger.ts recentEntries).
   */
  segmentsOf(bucket: number, slot: number): Promise<SegmentEntry[]>;
  /**
   * The segments of these buckets without their BLOBs, by bucket, newest first within each: what
   * the late path reads the chains of a bucket's meters from, the newest segments that hold them
   * first (engine/store/ledger.ts readChains).
   */
  segmentIndex(buckets: readonly number[]): Promise<SegmentIndexRow[]>;
  /** These ledger segments by id (as segmentsOf lists them), in the order asked. */
  readSegmentsById(ids: readonly number[]): Promise<SegmentRow[]>;
  /**
   * Optional: one meter's snapshot for an operator's view, in one round trip; undefined when the
   * store cannot give it so for this meter. Without it (or it), the view is read call by call:
   * registry, readBuckets, readFlag, meterVersion, listHeld, segmentsOf.
   */
  meterSnapshot?(meterId: string, limits: { held: number; segments: number }): Promise<MeterSnapshot | undefined>;
  /** Unresolved held readings of these meters, in commit order. */
  readHeld(meterIds: readonly string[]): Promise<HeldRecord[]>;
  /** Unresolved held readings for an operator, oldest first, at most `limit`. */
  listHeld(query: HeldQuery): Promise<HeldListing[]>;
  /**
   * Meters with unresolved readings held `unknown_meter`, and how many each: held while the meter
   * was not registered, so no state counted them. A working set counts them for a meter once it is
   * registered (runtime/working-set.ts): an exact re-send is then a duplicate, and a release
   * finds them. By a partial index of such records alone: a night without them reads nothing.
   */
  unknownHeld(): Promise<Array<{ meterId: string; count: number }>>;
  /** Unresolved held readings in sum (metrics, status). */
  heldSummary(): Promise<HeldSummary>;
  /** Every committed batch's counts in sum, and the number of flagged (temp_bad) meters. */
  batchTotals(): Promise<BatchTotals & { flagged: number }>;
  /** Threshold episodes by key (missing keys are left out). */
  readEpisodes(keys: readonly string[]): Promise<Map<string, string>>;

  /**
   * Commits a batch in one transaction. Resolves "duplicate" (changing nothing) when the batch id
   * was committed before; rejects MF_ERR_STORE_FENCED when another writer changed a meter the
   * batch decided since its bucket fence's version (or, without bucket fences, when a partition is
   * no longer at its fence version): decide the batch again on fresh slices.
   */
  commit(commit: Commit): Promise<"committed" | "duplicate">;
  batch(batchId: string): Promise<CommittedBatch | undefined>;
  /** What a batch committed, to re-emit it for a run that adopts it or an export. */
  batchOutputs(batchId: string): Promise<BatchOutputs>;
  /** Committed batches in commit order: after `afterSeq`, or committed at or after `since` (ISO time). */
  listBatches(query: { afterSeq?: number; since?: string; limit: number }): Promise<BatchListing[]>;
  /** Whether a worker published this committed batch's outputs (the outbox: publish after commit, then mark). */
  published(batchId: string): Promise<boolean>;
  markPublished(batchId: string): Promise<void>;
  /** Moves a batch to another run (a rerun adopting the batches of a run that did not finish). */
  adoptBatch(batchId: string, runId: number): Promise<void>;

  startRun(inputs: unknown): Promise<number>;
  finishRun(runId: number, status: "finished" | "failed", summary: unknown, inputs?: unknown): Promise<void>;
  /** The run that is `running` (its id and start), if any. */
  runningRun(): Promise<{ runId: number; startedAt: string } | undefined>;
  /** Adds an API token; false (nothing changed) when a valid token has the name. A revoked one is replaced. */
  addToken(token: Omit<TokenRecord, "revokedAt">): Promise<boolean>;
  /** Every token (valid and revoked), by name. */
  listTokens(): Promise<TokenRecord[]>;
  /** Revokes the valid token `name`; false when there is none. */
  revokeToken(name: string, at: string): Promise<boolean>;
  /** Keeps a photo (once: the same bytes are the same photo). */
  putPhoto(photo: PhotoRecord): Promise<void>;
  readPhoto(sha256: string): Promise<PhotoRecord | undefined>;
  meta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}
