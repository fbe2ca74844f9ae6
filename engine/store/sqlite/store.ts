// The embedded store: PartitionedStore on one SQLite file (better-sqlite3). Methods are async
// for the contract but do their work synchronously on this connection; writes are IMMEDIATE
// transactions, so several connections (threads, processes) can share the file.
import type Database from "better-sqlite3";
import type {
  AlertRecord, AuditRecord, BatchListing, BatchOutputs, BatchTotals, BucketRow, Commit, CommittedBatch, FlagRow, HeldListing, HeldQuery, HeldRecord, HeldSummary, PartitionedStore, PhotoRecord, RegistryBlobs, RegistryBlobSource, RegistryRow, RegistryRows, RegistryRowStream, SegmentEntry, SegmentIndexRow, SegmentRow,
  TokenRecord,
} from "../contract.js";
import { hasSlot } from "../bucket-fence.js";
import { batchSensorsField, photoBytes } from "../contract.js";
import { StoreError } from "../errors.js";
import { heldPulseField } from "../held-pulse.js";
import type { StoreErrorCode } from "../errors.js";
import { commitBatch, prepareCommit } from "./commit.js";
import type { CommitStatements } from "./commit.js";
import { asFirstImport } from "./first-import.js";
import { RegistryTable } from "../../meters/registry-table.js";
import { prepareRegistry, readRegistryRows, streamRegistryRows, writeRegistryRows } from "./registry.js";
import type { RegistryStatements } from "./registry.js";
import { PARTITIONS_KEY } from "./schema.js";
import type { WriteTurn } from "./write-turn.js";

const now = () => new Date().toISOString();
const nan = (v: number | null) => (v === null ? Number.NaN : v);

const HELD = "SELECT reading_id, meter_id, end_day, value, override, source, verification, reasons, line, photo, pulse FROM held";
type HeldTuple = [string, string, number, number | null, number | null, number, number, string, string, number, string | null];
const heldOf = ([readingId, meterId, endDay, value, override, source, verification, reasons, line, photo, pulse]: HeldTuple): HeldRecord => ({
  readingId, meterId, endDay, value: nan(value), override: nan(override), source, verification, reasons, line,
  ...(photo === 1 ? { photo: true } : {}), ...heldPulseField(pulse),
});

const SEGMENT = "SELECT bucket, batch_id AS batchId, entries, data FROM segments";
const ALERT = "SELECT meter_id AS meterId, end_day AS endDay, rule, line FROM alerts";

export class SqliteStore implements PartitionedStore {
  readonly kind = "sqlite";
  readonly partitions: number;
  readonly timeZone: string;
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #registry: RegistryStatements;
  readonly #commit: CommitStatements;
  /** Statements by their SQL, prepared once per connection (preparing costs more than most of these reads). */
  readonly #statements = new Map<string, Database.Statement>();

  /** Writers of this process this connection lets go first (write-turn.ts), when it is a job's. */
  readonly #turn: WriteTurn | undefined;

  constructor(db: Database.Database, partitions: number, timeZone: string, path: string, turn?: WriteTurn) {
    this.#db = db;
    this.partitions = partitions;
    this.timeZone = timeZone;
    this.#path = path;
    this.#turn = turn;
    this.#registry = prepareRegistry(db);
    this.#commit = prepareCommit(db);
  }

  #sql(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  /** Runs `work`, turning any failure into a StoreError with `code` (a StoreError keeps its own). */
  #do<T>(code: StoreErrorCode, what: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(code, `${what} (${this.#path}): ${(error as Error).message}`, error);
    }
  }

  #read<T>(what: string, work: (db: Database.Database) => T): T {
    return this.#do("MF_ERR_STORE_READ", what, () => work(this.#db));
  }

  #write<T>(what: string, work: (db: Database.Database) => T): T {
    this.#turn?.giveWay();
    try {
      return this.#do("MF_ERR_STORE_WRITE", what, () => this.#db.transaction(() => work(this.#db)).immediate());
    } finally {
      this.#turn?.ended();
    }
  }

  async registry(meterIds: readonly string[]): Promise<RegistryRow[]> {
    return this.#read("cannot read the registry", () => readRegistryRows(this.#registry, meterIds));
  }

  async writeRegistry(rows: RegistryRows | RegistryRowStream, buckets: RegistryBlobs | RegistryBlobSource): Promise<void> {
    if ((rows instanceof RegistryTable || Array.isArray(rows)) && typeof buckets !== "function") {
      this.#write(`cannot write the registry (${rows.length} meters)`,
        () => writeRegistryRows(this.#registry, rows as RegistryRows, buckets, this.partitions));
      return;
    }
    try {
      await asFirstImport(this.#db, () => streamRegistryRows(this.#registry, rows, buckets, this.partitions));
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError("MF_ERR_STORE_WRITE", `cannot write the registry (${this.#path}): ${(error as Error).message}`, error);
    }
  }

  async readBuckets(buckets: readonly number[]): Promise<BucketRow[]> {
    if (buckets.length === 0) return [];
    return this.#read("cannot read buckets", () => this.#sql(
      `SELECT w.value AS bucket, coalesce(b.meters, s.meters) AS meters, coalesce(b.registry, X'') AS registry, s.state,
         coalesce(v.version, 0) AS version
       FROM (SELECT DISTINCT value FROM json_each(?)) w LEFT JOIN buckets b ON b.bucket = w.value LEFT JOIN bucket_state s ON s.bucket = w.value
         LEFT JOIN bucket_versions v ON v.bucket = w.value
       WHERE b.bucket IS NOT NULL OR s.bucket IS NOT NULL ORDER BY w.value`,
    ).all(JSON.stringify(buckets)) as BucketRow[]);
  }

  /**
   * The registry BLOBs of these buckets, without their state (not in the store contract: the
   * decoding worker's register-limit check reads only these).
   */
  async readRegistries(buckets: readonly number[]): Promise<Array<Pick<BucketRow, "bucket" | "meters" | "registry">>> {
    if (buckets.length === 0) return [];
    return this.#read("cannot read buckets", () => this.#sql(
      "SELECT bucket, meters, registry FROM buckets WHERE bucket IN (SELECT value FROM json_each(?)) ORDER BY bucket",
    ).all(JSON.stringify(buckets)) as BucketRow[]);
  }

  /**
   * The registry BLOBs of those of these buckets whose meters may have register limits or pulse
   * weights (`limits` not 0): the register-limit check's read, most often of no bucket at all.
   */
  async readLimitedRegistries(buckets: readonly number[]): Promise<Array<Pick<BucketRow, "bucket" | "meters" | "registry">>> {
    if (buckets.length === 0) return [];
    return this.#read("cannot read buckets", () => this.#sql(
      `SELECT bucket, meters, registry FROM buckets INDEXED BY buckets_limited
       WHERE limits IS NOT 0 AND bucket IN (SELECT value FROM json_each(?)) ORDER BY bucket`,
    ).all(JSON.stringify(buckets)) as BucketRow[]);
  }

  async versions(): Promise<Int32Array> {
    return this.#read("cannot read partition versions", () => {
      const versions = new Int32Array(this.partitions);
      for (const [p, v] of this.#sql("SELECT partition, version FROM partitions").raw().iterate() as Iterable<[number, number]>) {
        if (p < this.partitions) versions[p] = v;
      }
      return versions;
    });
  }

  async readFlags(partitions: readonly number[]): Promise<FlagRow[]> {
    if (partitions.length === 0) return [];
    return this.#read("cannot read flags", () => this.#sql(
      `SELECT meter_id AS meterId, reason, note, actor, at FROM flags
       WHERE partition IN (SELECT value FROM json_each(?)) ORDER BY meter_id`,
    ).all(JSON.stringify(partitions)) as FlagRow[]);
  }

  async readFlag(meterId: string): Promise<FlagRow | undefined> {
    return this.#read("cannot read a flag", () => this.#sql(
      "SELECT meter_id AS meterId, reason, note, actor, at FROM flags WHERE meter_id = ?",
    ).get(meterId) as FlagRow | undefined);
  }

  /** Rejects MF_ERR_STORE_VERSION when `ifVersion` is given and the meter's version is not it. */
  #checkVersion(meterId: string, ifVersion: number | undefined): void {
    if (ifVersion === undefined) return;
    const version = this.#sql("SELECT coalesce(max(id), 0) FROM audit WHERE meter_id = ?").pluck().get(meterId) as number;
    if (version !== ifVersion) throw new StoreError("MF_ERR_STORE_VERSION", `meter ${meterId} is at version ${version}, not ${ifVersion}`);
  }

  async meterVersion(meterId: string): Promise<number> {
    return this.#read("cannot read a meter's version",
      () => this.#sql("SELECT coalesce(max(id), 0) FROM audit WHERE meter_id = ?").pluck().get(meterId) as number);
  }

  async setFlag(partition: number, flag: FlagRow, ifVersion?: number): Promise<void> {
    this.#write(`cannot set the flag of ${flag.meterId}`, () => {
      this.#checkVersion(flag.meterId, ifVersion);
      this.#sql("INSERT OR REPLACE INTO flags (meter_id, partition, reason, note, actor, at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(flag.meterId, partition, flag.reason, flag.note, flag.actor, flag.at);
      this.#commit.audit.run(flag.meterId, "set", flag.reason, flag.actor, flag.at);
    });
  }

  async clearFlag(partition: number, meterId: string, reason: string, actor: string, ifVersion?: number): Promise<boolean> {
    return this.#write(`cannot clear the flag of ${meterId} (partition ${partition})`, () => {
      this.#checkVersion(meterId, ifVersion);
      if (this.#sql("DELETE FROM flags WHERE meter_id = ?").run(meterId).changes === 0) return false;
      this.#commit.audit.run(meterId, "clear", reason, actor, now());
      return true;
    });
  }

  async audit(meterId: string): Promise<Array<AuditRecord & { at: string }>> {
    return this.#read("cannot read the audit", () => this.#sql(
      "SELECT meter_id AS meterId, action, reason, actor, at FROM audit WHERE meter_id = ? ORDER BY id",
    ).all(meterId) as Array<AuditRecord & { at: string }>);
  }

  async readSegments(buckets: readonly number[]): Promise<SegmentRow[]> {
    if (buckets.length === 0) return [];
    return this.#read("cannot read ledger segments", () => this.#sql(
      `${SEGMENT} WHERE bucket IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ).all(JSON.stringify(buckets)) as SegmentRow[]);
  }

  async segmentsOf(bucket: number, slot: number): Promise<SegmentEntry[]> {
    return this.#read("cannot list ledger segments", () => (this.#sql(
      "SELECT id, max_end, slots FROM segments WHERE bucket = ? ORDER BY id DESC",
    ).raw().all(bucket) as Array<[number, number | null, Uint8Array | null]>)
      .filter(([, , slots]) => hasSlot(slots, slot)).map(([id, maxEnd]) => ({ id, maxEnd })));
  }

  async segmentIndex(buckets: readonly number[]): Promise<SegmentIndexRow[]> {
    if (buckets.length === 0) return [];
    return this.#read("cannot list ledger segments", () => (this.#sql(
      "SELECT bucket, id, max_end, slots FROM segments WHERE bucket IN (SELECT value FROM json_each(?)) ORDER BY bucket, id DESC",
    ).raw().all(JSON.stringify(buckets)) as Array<[number, number, number | null, Uint8Array | null]>)
      .map(([bucket, id, maxEnd, slots]) => ({ bucket, id, maxEnd, slots })));
  }

  async readSegmentsById(ids: readonly number[]): Promise<SegmentRow[]> {
    if (ids.length === 0) return [];
    return this.#read("cannot read ledger segments", () => {
      const statement = this.#sql(`${SEGMENT} WHERE id = ?`);
      return ids.map((id) => statement.get(id) as SegmentRow | undefined).filter((s): s is SegmentRow => s !== undefined);
    });
  }

  async readHeld(meterIds: readonly string[]): Promise<HeldRecord[]> {
    if (meterIds.length === 0) return [];
    return this.#read("cannot read held readings", () => (this.#sql(
      `${HELD} WHERE meter_id IN (SELECT value FROM json_each(?)) AND resolved_at IS NULL ORDER BY id`,
    ).raw().all(JSON.stringify(meterIds)) as HeldTuple[]).map(heldOf));
  }

  async listHeld(q: HeldQuery): Promise<HeldListing[]> {
    // Only the filters given, so SQLite can use the meter's (or reading's) index: `? IS NULL OR`
    // would make it scan every open held record.
    const where = ["h.resolved_at IS NULL", "h.id > ?"];
    const params: unknown[] = [q.after ?? 0];
    if (q.meterId !== undefined) where.push("h.meter_id = ?"), params.push(q.meterId);
    if (q.readingId !== undefined) where.push("h.reading_id = ?"), params.push(q.readingId);
    // A reason, or its kind: `temp_bad` is also `temp_bad:bounce` (a rule's temp_bad with its cause).
    // Matched exactly (instr, not LIKE: no wildcards, and case counts as on PostgreSQL).
    if (q.reason !== undefined) where.push("(instr('|' || h.reasons || '|', '|' || ? || '|') > 0 OR instr('|' || h.reasons, '|' || ? || ':') > 0)"), params.push(q.reason, q.reason);
    return this.#read("cannot list held readings", () => (this.#sql(
      `SELECT h.reading_id, h.meter_id, h.end_day, h.value, h.override, h.source, h.verification, h.reasons, h.line, h.photo, h.pulse,
         h.id, h.batch_id, h.rules_version, coalesce(b.committed_at, '')
       FROM held h LEFT JOIN batches b USING (batch_id)
       WHERE ${where.join(" AND ")}
       ORDER BY h.id LIMIT ?`,
    ).raw().all(...params, q.limit) as Array<[...HeldTuple, number, string, string | null, string]>)
      .map((row) => ({ ...heldOf(row.slice(0, 11) as HeldTuple), id: row[11], batchId: row[12], rulesVersion: row[13], heldAt: row[14] })));
  }

  async unknownHeld(): Promise<Array<{ meterId: string; count: number }>> {
    return this.#read("cannot read held readings", () => (this.#sql(
      `SELECT meter_id, count(*) FROM held WHERE resolved_at IS NULL AND reasons = 'unknown_meter' GROUP BY meter_id`,
    ).raw().all() as Array<[string, number]>).map(([meterId, count]) => ({ meterId, count })));
  }

  async heldSummary(): Promise<HeldSummary> {
    return this.#read("cannot sum held readings", () => {
      const [meters, readings] = this.#sql("SELECT count(DISTINCT meter_id), count(*) FROM held WHERE resolved_at IS NULL").raw().get() as [number, number];
      const byReason: Record<string, number> = {};
      for (const [reasons, n] of this.#sql("SELECT reasons, count(*) FROM held WHERE resolved_at IS NULL GROUP BY reasons").raw().iterate() as Iterable<[string, number]>) {
        for (const r of reasons.split("|")) if (r !== "") byReason[r] = (byReason[r] ?? 0) + n;
      }
      return { meters, readings, byReason };
    });
  }

  async batchTotals(): Promise<BatchTotals & { flagged: number }> {
    return this.#read("cannot sum batches", () => this.#sql(
      `SELECT count(*) AS batches, coalesce(sum(rows), 0) AS rows, coalesce(sum(billable), 0) AS billable, coalesce(sum(held), 0) AS held,
         coalesce(sum(rejected), 0) AS rejected, coalesce(sum(duplicates), 0) AS duplicates, coalesce(sum(sensor), 0) AS sensor,
         (SELECT count(*) FROM flags) AS flagged FROM batches`,
    ).get() as BatchTotals & { flagged: number });
  }

  async readEpisodes(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    return this.#read("cannot read threshold episodes", () => new Map(this.#sql(
      "SELECT key, data FROM episodes WHERE key IN (SELECT value FROM json_each(?))",
    ).raw().all(JSON.stringify(keys)) as Array<[string, string]>));
  }

  async commit(commit: Commit): Promise<"committed" | "duplicate"> {
    return this.#write(`cannot commit batch ${commit.batchId}`,
      () => commitBatch(this.#commit, commit, this.partitions, now()));
  }

  async batch(batchId: string): Promise<CommittedBatch | undefined> {
    return this.#read("cannot read a batch", () => {
      const row = this.#sql(
        `SELECT b.batch_id, b.run_id, coalesce(r.status, 'running'), b.rows, b.billable, b.held, b.rejected, b.duplicates, b.sensor, b.sensors
         FROM batches b LEFT JOIN runs r USING (run_id) WHERE b.batch_id = ?`,
      ).raw().get(batchId) as [string, number, CommittedBatch["runStatus"], number, number, number, number, number, number, string | null] | undefined;
      if (row === undefined) return undefined;
      const [id, runId, runStatus, rows, billable, held, rejected, duplicates, sensor, sensors] = row;
      return { batchId: id, runId, runStatus, counts: { rows, billable, held, rejected, duplicates, sensor }, ...batchSensorsField(sensors) };
    });
  }

  async batchOutputs(batchId: string): Promise<BatchOutputs> {
    return this.#read(`cannot read the outputs of batch ${batchId}`, () => ({
      segments: this.#sql(`${SEGMENT} WHERE batch_id = ? ORDER BY id`).all(batchId) as SegmentRow[],
      held: (this.#sql(`${HELD} WHERE batch_id = ? ORDER BY id`).raw().all(batchId) as HeldTuple[]).map(heldOf),
      alerts: this.#sql(`${ALERT} WHERE batch_id = ? ORDER BY id`).all(batchId) as AlertRecord[],
      rejected: this.#sql("SELECT line FROM rejected WHERE batch_id = ? ORDER BY id").pluck().all(batchId) as string[],
    }));
  }

  async listBatches(q: { afterSeq?: number; since?: string; limit: number }): Promise<BatchListing[]> {
    return this.#read("cannot list batches", () => (this.#sql(
      `SELECT b.batch_id, b.run_id, coalesce(r.status, 'running'), b.rows, b.billable, b.held, b.rejected, b.duplicates, b.sensor,
         b.commit_seq, b.input, b.rules_version, b.committed_at
       FROM batches b LEFT JOIN runs r USING (run_id)
       WHERE b.commit_seq > ? AND (? IS NULL OR b.committed_at >= ?) ORDER BY b.commit_seq LIMIT ?`,
    ).raw().all(q.afterSeq ?? 0, q.since ?? null, q.since ?? null, q.limit) as Array<[string, number, CommittedBatch["runStatus"],
      number, number, number, number, number, number, number, string, string | null, string]>).map(
      ([batchId, runId, runStatus, rows, billable, held, rejected, duplicates, sensor, seq, input, rulesVersion, committedAt]) => ({
        batchId, runId, runStatus, counts: { rows, billable, held, rejected, duplicates, sensor }, seq, input, rulesVersion, committedAt,
      })));
  }

  async published(batchId: string): Promise<boolean> {
    return this.#read("cannot read a batch", () => this.#sql("SELECT published_at IS NOT NULL FROM batches WHERE batch_id = ?").pluck().get(batchId) === 1);
  }

  async markPublished(batchId: string): Promise<void> {
    this.#write(`cannot mark batch ${batchId} published`, () => this.#sql(
      "UPDATE batches SET published_at = coalesce(published_at, ?) WHERE batch_id = ?").run(now(), batchId));
  }

  async adoptBatch(batchId: string, runId: number): Promise<void> {
    this.#write(`cannot move batch ${batchId} to run ${runId}`,
      () => this.#sql("UPDATE batches SET run_id = ? WHERE batch_id = ?").run(runId, batchId));
  }

  async startRun(inputs: unknown): Promise<number> {
    return this.#write("cannot start a run", () => Number(this.#sql(
      "INSERT INTO runs (started_at, status, inputs) VALUES (?, 'running', ?)").run(now(), JSON.stringify(inputs)).lastInsertRowid));
  }

  async finishRun(runId: number, status: "finished" | "failed", summary: unknown, inputs?: unknown): Promise<void> {
    this.#write(`cannot finish run ${runId}`, () => this.#sql(
      "UPDATE runs SET finished_at = ?, status = ?, summary = ?, inputs = coalesce(?, inputs) WHERE run_id = ?",
    ).run(now(), status, JSON.stringify(summary), inputs === undefined ? null : JSON.stringify(inputs), runId));
  }

  async runningRun(): Promise<{ runId: number; startedAt: string } | undefined> {
    return this.#read("cannot read the running run", () => this.#sql(
      "SELECT run_id AS runId, started_at AS startedAt FROM runs WHERE status = 'running' ORDER BY run_id DESC LIMIT 1",
    ).get() as { runId: number; startedAt: string } | undefined);
  }

  async addToken(token: Omit<TokenRecord, "revokedAt">): Promise<boolean> {
    return this.#write(`cannot add token ${token.name}`, () => this.#sql(
      `INSERT INTO tokens (name, role, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, NULL)
       ON CONFLICT (name) DO UPDATE SET role = excluded.role, hash = excluded.hash, created_at = excluded.created_at, revoked_at = NULL
       WHERE tokens.revoked_at IS NOT NULL`,
    ).run(token.name, token.role, token.hash, token.createdAt).changes === 1);
  }

  async listTokens(): Promise<TokenRecord[]> {
    return this.#read("cannot list tokens", () => this.#sql(
      "SELECT name, role, hash, created_at AS createdAt, revoked_at AS revokedAt FROM tokens ORDER BY name",
    ).all() as TokenRecord[]);
  }

  async revokeToken(name: string, at: string): Promise<boolean> {
    return this.#write(`cannot revoke token ${name}`, () => this.#sql(
      "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL").run(at, name).changes === 1);
  }

  async putPhoto(photo: PhotoRecord): Promise<void> {
    this.#write(`cannot store photo ${photo.sha256}`, () => this.#commit.photo.run(photo.sha256, photo.mediaType, photoBytes(photo), now()));
  }

  async readPhoto(sha256: string): Promise<PhotoRecord | undefined> {
    return this.#read(`cannot read photo ${sha256}`, () => {
      const row = this.#sql("SELECT sha256, media_type, data FROM photos WHERE sha256 = ?").raw().get(sha256) as [string, string, Buffer] | undefined;
      return row === undefined ? undefined : { sha256: row[0], mediaType: row[1], bytes: new Uint8Array(row[2]) };
    });
  }

  async meta(key: string): Promise<string | undefined> {
    return this.#read(`cannot read meta ${key}`,
      () => this.#sql("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined);
  }

  async setMeta(key: string, value: string): Promise<void> {
    if (key === PARTITIONS_KEY) {
      throw new StoreError("MF_ERR_STORE_PARTITIONS", `meta "${PARTITIONS_KEY}" is the partition count, fixed when the store was created`);
    }
    this.#write(`cannot write meta ${key}`, () => this.#sql(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value));
  }

  /** Closes the connection; a second call does nothing. */
  async close(): Promise<void> {
    if (this.#db.open) this.#do("MF_ERR_STORE_WRITE", "cannot close the database", () => this.#db.close());
  }
}
