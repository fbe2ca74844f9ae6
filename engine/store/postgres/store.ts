// The shared store: PartitionedStore on PostgreSQL through one pg.Pool. Writes are transactions
// on one pooled client; reads take any client. Every failure rejects with a StoreError.
import type pg from "pg";
import type {
  AlertRecord, AuditRecord, BatchListing, BatchOutputs, BatchTotals, BucketRow, Commit, CommittedBatch, FlagRow, HeldListing, HeldPulse, HeldQuery, HeldRecord, HeldSummary, MeterSnapshot, PartitionedStore, PhotoRecord, RegistryBlobs, RegistryBlobSource, RegistryRow, RegistryRows, RegistryRowStream, SegmentEntry, SegmentIndexRow, SegmentRow,
  TokenRecord,
} from "../contract.js";
import { batchSensorsField, bucketOf, photoBytes } from "../contract.js";
import { StoreError } from "../errors.js";
import { heldPulseField } from "../held-pulse.js";
import type { StoreErrorCode } from "../errors.js";
import { commitBatch, PUT_PHOTO } from "./commit.js";
import { Pipeline } from "./pipeline.js";
import { hasSlot } from "../bucket-fence.js";
import { readBucketRows, readRegistryRows, readSegmentRows, readSegmentsById } from "./blobs.js";
import { readRegistry, writeRegistry as writeRegistryRows } from "./registry.js";
import { clearFlagRow, setFlagRow } from "./flags.js";
import type { FlagChangeResult } from "./flags.js";
import { readMeterSnapshot } from "./snapshot.js";
import { PARTITIONS_KEY } from "./schema.js";

const now = () => new Date().toISOString();

const HELD_COLUMNS = `reading_id AS "readingId", meter_id AS "meterId", end_day AS "endDay", value, override, source, verification,
  reasons, line, photo, pulse`;

/**
 * A held row as read: `photo` only when it came with one, `pulse` only when it has pulse columns
 * (as the SQLite store answers).
 */
function heldOf<T extends Omit<HeldRecord, "photo" | "pulse"> & { photo?: boolean | number; pulse?: HeldPulse | string | null }>(row: T):
  Omit<T, "photo" | "pulse"> & { photo?: boolean; pulse?: HeldPulse } {
  const { photo, pulse, ...rest } = row;
  return { ...rest, ...(photo === 1 || photo === true ? { photo: true } : {}), ...heldPulseField(typeof pulse === "string" ? pulse : null) };
}
const SEGMENT_COLUMNS = `bucket, batch_id AS "batchId", entries, data`;
const ALERT_COLUMNS = `meter_id AS "meterId", end_day AS "endDay", rule, line`;

export class PostgresStore implements PartitionedStore {
  readonly kind = "postgres";
  readonly partitions: number;
  readonly timeZone: string;
  readonly #pool: pg.Pool;
  readonly #name: string;
  #closed: Promise<void> | undefined;

  /** `name` says which database and schema in messages (never a password). */
  constructor(pool: pg.Pool, partitions: number, timeZone: string, name: string) {
    this.#pool = pool;
    this.partitions = partitions;
    this.timeZone = timeZone;
    this.#name = name;
  }

  /** Runs `work` in one transaction on one client (BEGIN sent first); any failure rolls back and rejects a StoreError. */
  async #transaction<T>(what: string, work: (client: pg.PoolClient) => Promise<T>, rollbackOn?: (result: T) => boolean): Promise<T> {
    return this.#pipelined(what, async (p, client) => {
      await p.flush();
      return work(client);
    }, rollbackOn);
  }

  /**
   * One transaction on a Pipeline: BEGIN waits to go with the first statement that needs an
   * answer, and what `work` left queued goes with the COMMIT; `rollbackOn` a result rolls it back.
   * Any failure rolls back and rejects a StoreError.
   */
  async #pipelined<T>(what: string, work: (p: Pipeline, client: pg.PoolClient) => Promise<T>, rollbackOn?: (result: T) => boolean): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#error("MF_ERR_STORE_WRITE", what, error);
    }
    const p = new Pipeline(client);
    let broken: Error | undefined;
    try {
      void p.later("BEGIN");
      const result = await work(p, client);
      if (rollbackOn?.(result)) {
        // (Without a transaction begun, PostgreSQL only warns.)
        p.discard();
        await client.query("ROLLBACK");
      } else {
        await p.query("COMMIT");
      }
      return result;
    } catch (error) {
      p.discard();
      await client.query("ROLLBACK").catch((rollback: Error) => {
        broken = rollback;
      });
      throw this.#error("MF_ERR_STORE_WRITE", what, error);
    } finally {
      // A client whose rollback failed is discarded, not returned to the pool mid-transaction.
      client.release(broken);
    }
  }

  /** One query on any pooled client, its failure a StoreError (READ unless said). */
  async #query<R extends pg.QueryResultRow>(what: string, sql: string, values: unknown[] = [],
    code: StoreErrorCode = "MF_ERR_STORE_READ"): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(sql, values);
    } catch (error) {
      throw this.#error(code, what, error);
    }
  }

  #error(code: StoreErrorCode, what: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    return new StoreError(code, `${what} (${this.#name}): ${(error as Error).message}`, error);
  }

  async registry(meterIds: readonly string[]): Promise<RegistryRow[]> {
    try {
      return await readRegistry(this.#pool, meterIds);
    } catch (error) {
      throw this.#error("MF_ERR_STORE_READ", "cannot read the registry", error);
    }
  }

  async writeRegistry(rows: RegistryRows | RegistryRowStream, buckets: RegistryBlobs | RegistryBlobSource): Promise<void> {
    await this.#transaction(`cannot write the registry${"length" in rows ? ` (${rows.length} meters)` : ""}`,
      (client) => writeRegistryRows(client, this.#pool, rows, buckets, this.partitions));
  }

  async readBuckets(buckets: readonly number[]): Promise<BucketRow[]> {
    try {
      return await readBucketRows(this.#pool, buckets);
    } catch (error) {
      throw this.#error("MF_ERR_STORE_READ", "cannot read buckets", error);
    }
  }

  /**
   * The registry BLOBs of these buckets, without their state (buckets without a registry row
   * are left out): what the decoding thread reads for its register-limit check and slots.
   */
  async readRegistries(buckets: readonly number[]): Promise<Array<{ bucket: number; meters: number; registry: Uint8Array }>> {
    try {
      return await readRegistryRows(this.#pool, buckets);
    } catch (error) {
      throw this.#error("MF_ERR_STORE_READ", "cannot read registries", error);
    }
  }

  /** Those of these buckets' registry BLOBs that may have limits (`limits` not 0): the register-limit check's read. */
  async readLimitedRegistries(buckets: readonly number[]): Promise<Array<{ bucket: number; meters: number; registry: Uint8Array }>> {
    try {
      return await readRegistryRows(this.#pool, buckets, true);
    } catch (error) {
      throw this.#error("MF_ERR_STORE_READ", "cannot read registries", error);
    }
  }

  async versions(): Promise<Int32Array> {
    const result = await this.#query<{ partition: number; version: number }>("cannot read partition versions",
      "SELECT partition, version FROM partitions");
    const versions = new Int32Array(this.partitions);
    for (const r of result.rows) if (r.partition < this.partitions) versions[r.partition] = r.version;
    return versions;
  }

  async readFlags(partitions: readonly number[]): Promise<FlagRow[]> {
    if (partitions.length === 0) return [];
    const result = await this.#query<FlagRow>("cannot read flags",
      `SELECT meter_id AS "meterId", reason, note, actor, at FROM flags WHERE partition = ANY($1::integer[]) ORDER BY meter_id COLLATE "C"`,
      [[...partitions]]);
    return result.rows;
  }

  async readFlag(meterId: string): Promise<FlagRow | undefined> {
    const result = await this.#query<FlagRow>("cannot read a flag",
      `SELECT meter_id AS "meterId", reason, note, actor, at FROM flags WHERE meter_id = $1`, [meterId]);
    return result.rows[0];
  }

  /**
   * A flag change (flags.ts): one autocommitted statement; with `ifVersion`, a transaction that
   * first holds a lock on the meter's id, so two conditional changes serialize. Rejects
   * MF_ERR_STORE_VERSION (nothing changed) when the meter is not at `ifVersion`.
   */
  async #changeFlag(what: string, meterId: string, ifVersion: number | undefined,
    change: (db: pg.Pool | pg.PoolClient) => Promise<FlagChangeResult>): Promise<FlagChangeResult> {
    const checked = (r: FlagChangeResult) => {
      if (ifVersion !== undefined && r.version !== ifVersion) {
        throw new StoreError("MF_ERR_STORE_VERSION", `meter ${meterId} is at version ${r.version}, not ${ifVersion}`);
      }
      return r;
    };
    if (ifVersion === undefined) {
      try {
        return await change(this.#pool);
      } catch (error) {
        throw this.#error("MF_ERR_STORE_WRITE", what, error);
      }
    }
    return this.#transaction(what, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`meterflow_meter:${meterId}`]);
      return checked(await change(client));
    });
  }

  async meterVersion(meterId: string): Promise<number> {
    const result = await this.#query<{ version: string }>("cannot read a meter's version",
      "SELECT coalesce(max(id), 0) AS version FROM audit WHERE meter_id = $1", [meterId]);
    return Number(result.rows[0].version);
  }

  /** Resolves the meter's version after the change (its audit record's id). */
  async setFlag(partition: number, flag: FlagRow, ifVersion?: number): Promise<number> {
    const r = await this.#changeFlag(`cannot set the flag of ${flag.meterId}`, flag.meterId, ifVersion,
      (db) => setFlagRow(db, partition, flag, ifVersion));
    return r.audited!;
  }

  async clearFlag(partition: number, meterId: string, reason: string, actor: string, ifVersion?: number): Promise<boolean> {
    const r = await this.#changeFlag(`cannot clear the flag of ${meterId} (partition ${partition})`, meterId, ifVersion,
      (db) => clearFlagRow(db, meterId, reason, actor, now(), ifVersion));
    return r.audited !== null;
  }

  async audit(meterId: string): Promise<Array<AuditRecord & { at: string }>> {
    const result = await this.#query<AuditRecord & { at: string }>("cannot read the audit",
      `SELECT meter_id AS "meterId", action, reason, actor, at FROM audit WHERE meter_id = $1 ORDER BY id`, [meterId]);
    return result.rows;
  }

  async readSegments(buckets: readonly number[]): Promise<SegmentRow[]> {
    try {
      return await readSegmentRows(this.#pool, buckets);
    } catch (error) {
      throw this.#error("MF_ERR_STORE_READ", "cannot read ledger segments", error);
    }
  }

  async segmentsOf(bucket: number, slot: number): Promise<SegmentEntry[]> {
    const result = await this.#query<{ id: string; max_end: number | null; slots: Buffer | null }>("cannot list ledger segments",
      "SELECT id, max_end, slots FROM segments WHERE bucket = $1 ORDER BY id DESC", [bucket]);
    return result.rows.filter((r) => hasSlot(r.slots, slot)).map((r) => ({ id: Number(r.id), maxEnd: r.max_end }));
  }

  async segmentIndex(buckets: readonly number[]): Promise<SegmentIndexRow[]> {
    if (buckets.length === 0) return [];
    const result = await this.#query<{ bucket: number; id: string; max_end: number | null; slots: Buffer | null }>("cannot list ledger segments",
      "SELECT bucket, id, max_end, slots FROM segments WHERE bucket = ANY($1::int[]) ORDER BY bucket, id DESC", [[...buckets]]);
    return result.rows.map((r) => ({ bucket: r.bucket, id: Number(r.id), maxEnd: r.max_end, slots: r.slots }));
  }

  async readSegmentsById(ids: readonly number[]): Promise<SegmentRow[]> {
    try {
      return await readSegmentsById(this.#pool, ids);
    } catch (error) {
      throw this.#error("MF_ERR_STORE_READ", "cannot read ledger segments", error);
    }
  }

  async meterSnapshot(meterId: string, limits: { held: number; segments: number }): Promise<MeterSnapshot | undefined> {
    try {
      return await readMeterSnapshot(this.#pool, meterId, bucketOf(meterId, this.partitions), limits);
    } catch (error) {
      throw this.#error("MF_ERR_STORE_READ", `cannot read meter ${meterId}`, error);
    }
  }

  async readHeld(meterIds: readonly string[]): Promise<HeldRecord[]> {
    if (meterIds.length === 0) return [];
    const result = await this.#query<HeldRecord>("cannot read held readings",
      `SELECT ${HELD_COLUMNS} FROM held WHERE meter_id = ANY($1::text[]) AND resolved_at IS NULL ORDER BY id`, [[...meterIds]]);
    return result.rows.map(heldOf);
  }

  async listHeld(q: HeldQuery): Promise<HeldListing[]> {
    // Only the filters given, so the planner can use the meter's (or reading's) index: with
    // `$2 IS NULL OR` in a prepared plan it walked every open held record in id order instead.
    const params: unknown[] = [q.after ?? 0, q.limit];
    const where = ["h.resolved_at IS NULL", "h.id > $1"];
    const filter = (sql: (at: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (q.meterId !== undefined) filter((at) => `h.meter_id = ${at}`, q.meterId);
    if (q.readingId !== undefined) filter((at) => `h.reading_id = ${at}`, q.readingId);
    // A reason, or its kind: `temp_bad` is also `temp_bad:bounce` (a rule's temp_bad with its cause).
    // Matched exactly (strpos, not LIKE: no wildcards), as on SQLite.
    if (q.reason !== undefined) filter((at) => `(strpos('|' || h.reasons || '|', '|' || ${at}::text || '|') > 0 OR strpos('|' || h.reasons, '|' || ${at}::text || ':') > 0)`, q.reason);
    const result = await this.#query<Omit<HeldListing, "id"> & { id: string }>("cannot list held readings",
      `SELECT h.reading_id AS "readingId", h.meter_id AS "meterId", h.end_day AS "endDay", h.value, h.override, h.source,
         h.verification, h.reasons, h.line, h.photo, h.pulse,
         h.id, h.batch_id AS "batchId", h.rules_version AS "rulesVersion", coalesce(b.committed_at, '') AS "heldAt"
       FROM held h LEFT JOIN batches b ON b.batch_id = h.batch_id
       WHERE ${where.join(" AND ")}
       ORDER BY h.id LIMIT $2`, params);
    return result.rows.map((r) => ({ ...heldOf(r), id: Number(r.id) }));
  }

  async unknownHeld(): Promise<Array<{ meterId: string; count: number }>> {
    const result = await this.#query<{ meter_id: string; n: string }>("cannot read held readings",
      `SELECT meter_id, count(*) AS n FROM held WHERE resolved_at IS NULL AND reasons = 'unknown_meter' GROUP BY meter_id`);
    return result.rows.map((r) => ({ meterId: r.meter_id, count: Number(r.n) }));
  }

  async heldSummary(): Promise<HeldSummary> {
    const [sums, groups] = await Promise.all([
      this.#query<{ meters: string; readings: string }>("cannot sum held readings",
        "SELECT count(DISTINCT meter_id) AS meters, count(*) AS readings FROM held WHERE resolved_at IS NULL"),
      this.#query<{ reasons: string; n: string }>("cannot sum held readings",
        "SELECT reasons, count(*) AS n FROM held WHERE resolved_at IS NULL GROUP BY reasons"),
    ]);
    const byReason: Record<string, number> = {};
    for (const g of groups.rows) for (const r of g.reasons.split("|")) if (r !== "") byReason[r] = (byReason[r] ?? 0) + Number(g.n);
    return { meters: Number(sums.rows[0].meters), readings: Number(sums.rows[0].readings), byReason };
  }

  async batchTotals(): Promise<BatchTotals & { flagged: number }> {
    const result = await this.#query<Record<string, string>>("cannot sum batches",
      `SELECT count(*) AS batches, coalesce(sum(rows), 0) AS rows, coalesce(sum(billable), 0) AS billable, coalesce(sum(held), 0) AS held,
         coalesce(sum(rejected), 0) AS rejected, coalesce(sum(duplicates), 0) AS duplicates, coalesce(sum(sensor), 0) AS sensor,
         (SELECT count(*) FROM flags) AS flagged FROM batches`);
    const r = result.rows[0];
    return {
      batches: Number(r.batches), rows: Number(r.rows), billable: Number(r.billable), held: Number(r.held), rejected: Number(r.rejected),
      duplicates: Number(r.duplicates), sensor: Number(r.sensor), flagged: Number(r.flagged),
    };
  }

  async readEpisodes(keys: readonly string[]): Promise<Map<string, string>> {
    const episodes = new Map<string, string>();
    if (keys.length === 0) return episodes;
    const result = await this.#query<{ key: string; data: string }>("cannot read threshold episodes",
      "SELECT key, data FROM episodes WHERE key = ANY($1::text[])", [[...keys]]);
    for (const r of result.rows) episodes.set(r.key, r.data);
    return episodes;
  }

  async commit(commit: Commit): Promise<"committed" | "duplicate"> {
    return this.#pipelined(`cannot commit batch ${commit.batchId}`,
      (p) => commitBatch(p, commit, this.partitions, now()),
      // A duplicate changes nothing: its transaction is rolled back, not committed.
      (result) => result === "duplicate");
  }

  async batch(batchId: string): Promise<CommittedBatch | undefined> {
    const result = await this.#query<CommittedBatch["counts"] & { batchId: string; runId: number; runStatus: CommittedBatch["runStatus"]; sensors: string | null }>(
      "cannot read a batch",
      `SELECT b.batch_id AS "batchId", b.run_id AS "runId", coalesce(r.status, 'running') AS "runStatus",
         b.rows, b.billable, b.held, b.rejected, b.duplicates, b.sensor, b.sensors
       FROM batches b LEFT JOIN runs r USING (run_id) WHERE b.batch_id = $1`, [batchId]);
    if (result.rowCount === 0) return undefined;
    const { batchId: id, runId, runStatus, rows, billable, held, rejected, duplicates, sensor, sensors } = result.rows[0];
    return { batchId: id, runId, runStatus, counts: { rows, billable, held, rejected, duplicates, sensor }, ...batchSensorsField(sensors) };
  }

  async batchOutputs(batchId: string): Promise<BatchOutputs> {
    const what = `cannot read the outputs of batch ${batchId}`;
    const [segments, held, alerts, rejected] = await Promise.all([
      this.#query<SegmentRow>(what, `SELECT ${SEGMENT_COLUMNS} FROM segments WHERE batch_id = $1 ORDER BY id`, [batchId]),
      this.#query<HeldRecord>(what, `SELECT ${HELD_COLUMNS} FROM held WHERE batch_id = $1 ORDER BY id`, [batchId]),
      this.#query<AlertRecord>(what, `SELECT ${ALERT_COLUMNS} FROM alerts WHERE batch_id = $1 ORDER BY id`, [batchId]),
      this.#query<{ line: string }>(what, "SELECT line FROM rejected WHERE batch_id = $1 ORDER BY id", [batchId]),
    ]);
    return { segments: segments.rows, held: held.rows.map(heldOf), alerts: alerts.rows, rejected: rejected.rows.map((r) => r.line) };
  }

  async listBatches(q: { afterSeq?: number; since?: string; limit: number }): Promise<BatchListing[]> {
    const result = await this.#query<CommittedBatch["counts"] & { batchId: string; runId: number; runStatus: CommittedBatch["runStatus"];
      seq: string; input: string; rulesVersion: string | null; committedAt: string }>("cannot list batches",
      `SELECT b.batch_id AS "batchId", b.run_id AS "runId", coalesce(r.status, 'running') AS "runStatus",
         b.rows, b.billable, b.held, b.rejected, b.duplicates, b.sensor,
         b.commit_seq AS seq, b.input, b.rules_version AS "rulesVersion", b.committed_at AS "committedAt"
       FROM batches b LEFT JOIN runs r USING (run_id)
       WHERE b.commit_seq > $1 AND ($2::text IS NULL OR b.committed_at >= $2) ORDER BY b.commit_seq LIMIT $3`,
      [q.afterSeq ?? 0, q.since ?? null, q.limit]);
    return result.rows.map(({ batchId, runId, runStatus, rows, billable, held, rejected, duplicates, sensor, seq, input, rulesVersion, committedAt }) => ({
      batchId, runId, runStatus, counts: { rows, billable, held, rejected, duplicates, sensor }, seq: Number(seq), input, rulesVersion, committedAt,
    }));
  }

  async published(batchId: string): Promise<boolean> {
    const result = await this.#query<{ published: boolean }>("cannot read a batch",
      "SELECT published_at IS NOT NULL AS published FROM batches WHERE batch_id = $1", [batchId]);
    return result.rows[0]?.published === true;
  }

  async markPublished(batchId: string): Promise<void> {
    await this.#query(`cannot mark batch ${batchId} published`, "UPDATE batches SET published_at = coalesce(published_at, $2) WHERE batch_id = $1",
      [batchId, now()], "MF_ERR_STORE_WRITE");
  }

  async adoptBatch(batchId: string, runId: number): Promise<void> {
    await this.#query(`cannot move batch ${batchId} to run ${runId}`, "UPDATE batches SET run_id = $2 WHERE batch_id = $1",
      [batchId, runId], "MF_ERR_STORE_WRITE");
  }

  async startRun(inputs: unknown): Promise<number> {
    const result = await this.#query<{ run_id: number }>("cannot start a run",
      "INSERT INTO runs (started_at, status, inputs) VALUES ($1, 'running', $2) RETURNING run_id",
      [now(), JSON.stringify(inputs)], "MF_ERR_STORE_WRITE");
    return result.rows[0].run_id;
  }

  async finishRun(runId: number, status: "finished" | "failed", summary: unknown, inputs?: unknown): Promise<void> {
    await this.#query(`cannot finish run ${runId}`,
      "UPDATE runs SET finished_at = $1, status = $2, summary = $3, inputs = coalesce($4, inputs) WHERE run_id = $5",
      [now(), status, JSON.stringify(summary), inputs === undefined ? null : JSON.stringify(inputs), runId], "MF_ERR_STORE_WRITE");
  }

  async runningRun(): Promise<{ runId: number; startedAt: string } | undefined> {
    const result = await this.#query<{ runId: number; startedAt: string }>("cannot read the running run",
      `SELECT run_id AS "runId", started_at AS "startedAt" FROM runs WHERE status = 'running' ORDER BY run_id DESC LIMIT 1`);
    return result.rows[0];
  }

  async addToken(token: Omit<TokenRecord, "revokedAt">): Promise<boolean> {
    const result = await this.#query(`cannot add token ${token.name}`,
      `INSERT INTO tokens (name, role, hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, NULL)
       ON CONFLICT (name) DO UPDATE SET role = excluded.role, hash = excluded.hash, created_at = excluded.created_at, revoked_at = NULL
       WHERE tokens.revoked_at IS NOT NULL`,
      [token.name, token.role, token.hash, token.createdAt], "MF_ERR_STORE_WRITE");
    return result.rowCount === 1;
  }

  async listTokens(): Promise<TokenRecord[]> {
    const result = await this.#query<TokenRecord>("cannot list tokens",
      `SELECT name, role, hash, created_at AS "createdAt", revoked_at AS "revokedAt" FROM tokens ORDER BY name COLLATE "C"`);
    return result.rows;
  }

  async revokeToken(name: string, at: string): Promise<boolean> {
    const result = await this.#query(`cannot revoke token ${name}`,
      "UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL", [at, name], "MF_ERR_STORE_WRITE");
    return result.rowCount === 1;
  }

  async putPhoto(photo: PhotoRecord): Promise<void> {
    await this.#query(`cannot store photo ${photo.sha256}`,
      PUT_PHOTO, [photo.sha256, photo.mediaType, photoBytes(photo), now()], "MF_ERR_STORE_WRITE");
  }

  async readPhoto(sha256: string): Promise<PhotoRecord | undefined> {
    const result = await this.#query<{ sha256: string; media_type: string; data: Buffer }>(`cannot read photo ${sha256}`,
      "SELECT sha256, media_type, data FROM photos WHERE sha256 = $1", [sha256]);
    const row = result.rows[0];
    return row === undefined ? undefined : { sha256: row.sha256, mediaType: row.media_type, bytes: new Uint8Array(row.data) };
  }

  async meta(key: string): Promise<string | undefined> {
    const result = await this.#query<{ value: string }>(`cannot read meta ${key}`, "SELECT value FROM meta WHERE key = $1", [key]);
    return result.rows[0]?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    if (key === PARTITIONS_KEY) {
      throw new StoreError("MF_ERR_STORE_PARTITIONS", `meta "${PARTITIONS_KEY}" is the partition count, fixed when the store was created`);
    }
    await this.#query(`cannot write meta ${key}`,
      "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value],
      "MF_ERR_STORE_WRITE");
  }

  /** Ends the pool (waiting for clients in use); a second call waits for the first. */
  close(): Promise<void> {
    this.#closed ??= this.#pool.end().catch((error: unknown) => {
      throw this.#error("MF_ERR_STORE_WRITE", "cannot close the pool", error);
    });
    return this.#closed;
  }
}
