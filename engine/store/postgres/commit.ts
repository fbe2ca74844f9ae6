// A batch's commit in PostgreSQL: one transaction, idempotent by batch id, fenced by the meters
// of its buckets (bucket-fence.ts) or, without bucket fences, by partition versions; every table
// gets one statement whatever the number of rows (binary COPY for BLOBs, held readings and
// alerts, unnest arrays for the few upserted rows), so a batch of 65,536 ledger entries costs a
// handful of round trips, not one per row. The statements go through a Pipeline (pipeline.ts):
// those whose answer is not needed wait and go with the next one that is, so a batch of one
// commits in two round trips (BEGIN, its batch row and its locks; its writes and COMMIT).
import { bucketFences, CHANGES_KEPT, fencedError, judgeBucket, mergeState, PRUNE_EVERY, slotBitmap } from "../bucket-fence.js";
import type { BucketChange } from "../bucket-fence.js";
import { fenceVersions } from "../fence.js";
import { encodeBatchSensors, photoBytes } from "../contract.js";
import type { BucketFence, Commit } from "../contract.js";
import { StoreError } from "../errors.js";
import { heldRecordId, inReadingOrder } from "../held-order.js";
import { encodeHeldPulse } from "../held-pulse.js";
import { insertSegments, putStateBlobs } from "./blobs.js";
import { writeRows } from "./copy.js";
import { send } from "./pipeline.js";
import type { Pipeline } from "./pipeline.js";

/** Inserts rows from parallel arrays: `INSERT INTO table (columns) SELECT * FROM unnest(...)`. */
async function insertColumns(p: Pipeline, table: string, columns: ReadonlyArray<readonly [string, string, unknown[]]>,
  suffix = ""): Promise<void> {
  if (columns[0][2].length === 0) return;
  const names = columns.map(([name]) => name).join(", ");
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ");
  await send(p, `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ${suffix}`, columns.map(([, , values]) => values));
}

/** Stores a photo once by its hash (store.ts putPhoto, and a commit's photos). */
export const PUT_PHOTO = "INSERT INTO photos (sha256, media_type, data, stored_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING";

/** Whether the commit's batch row was there before (it goes with the fence's first round trip). */
type KnownBefore = () => Promise<boolean>;

/**
 * Runs one commit on `p` inside BEGIN/COMMIT (the caller's; what is queued here goes with its
 * COMMIT). Resolves "duplicate" when the batch id is known (its row is inserted first: a
 * concurrent commit of the same id waits on it, then finds it; checked before any fence is
 * judged), rejects MF_ERR_STORE_FENCED when a fenced partition moved on.
 */
export async function commitBatch(p: Pipeline, c: Commit, partitions: number, at: string): Promise<"committed" | "duplicate"> {
  const k = c.counts;
  const inserted = p.later(
    `INSERT INTO batches (batch_id, run_id, seq, input, rows, billable, held, rejected, duplicates, sensor, sensors, rules_version, committed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (batch_id) DO NOTHING`,
    [c.batchId, c.runId, c.seq, c.input, k.rows, k.billable, k.held, k.rejected, k.duplicates, k.sensor, encodeBatchSensors(c.sensors), c.rulesVersion, at]);
  const knownBefore: KnownBefore = async () => (await p.answer(inserted)).rowCount === 0;
  const merge = c.buckets === undefined ? await fence(p, c, partitions, knownBefore) : await fenceBuckets(p, c, partitions, knownBefore);
  // (A fence that locked nothing sent nothing yet: the batch row is asked about here.)
  if (merge === "duplicate" || (await knownBefore())) return "duplicate";
  await putStateBlobs(p, await merged(p, c.state, merge));
  await insertSegments(p, c.batchId, c.segments);
  const released = c.released ?? [];
  const rejected = c.rejected ?? [];
  if (rejected.length > 0) {
    await send(p, "INSERT INTO rejected (batch_id, line) SELECT $1, unnest($2::text[])", [c.batchId, rejected]);
  }
  const alerts = c.alerts;
  await writeRows(p, "alerts", ["batch_id", "meter_id", "end_day", "rule", "line"], ["text", "text", "int", "text", "text"],
    alerts.length, (i, column) => {
      const a = alerts[i];
      return column === 0 ? c.batchId : column === 1 ? a.meterId : column === 2 ? a.endDay : column === 3 ? a.rule : a.line;
    });
  const flags = lastByKey(c.flags, (f) => f.meterId);
  await insertColumns(p, "flags", [
    ["meter_id", "text", flags.map((f) => f.meterId)],
    ["partition", "integer", flags.map((f) => f.partition)],
    ["reason", "text", flags.map((f) => f.reason)],
    ["note", "text", flags.map((f) => f.note)],
    ["actor", "text", flags.map((f) => f.actor)],
    ["at", "text", flags.map((f) => f.at)],
  ], `ON CONFLICT (meter_id) DO UPDATE SET partition = excluded.partition, reason = excluded.reason, note = excluded.note,
      actor = excluded.actor, at = excluded.at`);
  const audit = [...c.audit, ...released.map((r) => ({ meterId: r.meterId, action: "release" as const, reason: r.reason, actor: r.actor }))];
  await insertColumns(p, "audit", [
    ["meter_id", "text", audit.map((a) => a.meterId)],
    ["action", "text", audit.map((a) => a.action)],
    ["reason", "text", audit.map((a) => a.reason)],
    ["actor", "text", audit.map((a) => a.actor)],
    ["at", "text", audit.map(() => at)],
  ]);
  const episodes = lastByKey(c.episodes, (e) => e.key);
  const kept = episodes.filter((e) => e.data !== null);
  await insertColumns(p, "episodes", [
    ["key", "text", kept.map((e) => e.key)],
    ["data", "text", kept.map((e) => e.data)],
  ], "ON CONFLICT (key) DO UPDATE SET data = excluded.data");
  const dropped = episodes.filter((e) => e.data === null).map((e) => e.key);
  if (dropped.length > 0) await send(p, "DELETE FROM episodes WHERE key = ANY($1::text[])", [dropped]);
  for (const photo of c.photos ?? []) await send(p, PUT_PHOTO, [photo.sha256, photo.mediaType, photoBytes(photo), at]);
  // The batch's place in commit order is taken last, under a lock of this schema held to the
  // COMMIT: commits become visible in seq order, so a reader that lists what is new after the last
  // seq it saw (`export --since`) misses none. Taken with the batch row at the start, a later seq
  // could become visible first and the reader moved past an earlier one for good (cluster audit:
  // 5 of 128 batches never exported). Held readings are inserted under the same lock, so their
  // ids (GET /v1/held's cursor, drawn from a sequence at insert) become visible in id order too:
  // inserted before it, a run's batch drew ids 57..20056, a manual reading a higher one and
  // committed first, and a client following the cursor never saw the batch's rows (API audit).
  // Releases still resolve their held records after the batch's own held rows are inserted, as
  // before, never one of those (a release that held its reading again, decide/rejudge.ts: its new
  // record stays open in place of the one it resolves).
  // The lock covers only these last statements and COMMIT.
  await send(p, "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.meterflow_commit_order'))");
  const held = inReadingOrder(c.held, heldRecordId);
  await writeRows(p, "held", ["batch_id", "reading_id", "meter_id", "end_day", "value", "override", "source", "verification",
    "reasons", "line", "rules_version", "photo", "pulse"], ["text", "text", "text", "int", "float", "float", "int", "int", "text", "text", "text", "int", "text"],
  held.length, (i, column) => {
    const h = held[i];
    switch (column) {
      case 0: return c.batchId;
      case 1: return h.readingId;
      case 2: return h.meterId;
      case 3: return h.endDay;
      case 4: return h.value;
      case 5: return h.override;
      case 6: return h.source;
      case 7: return h.verification;
      case 8: return h.reasons;
      case 9: return h.line;
      case 10: return c.rulesVersion;
      case 11: return h.photo === true ? 1 : 0;
      default: return encodeHeldPulse(h.pulse);
    }
  });
  for (const r of released) {
    await send(p, `UPDATE held SET resolved_at = $1, resolved_by = $2, resolve_reason = $3
      WHERE meter_id = $4 AND end_day = $5 AND value = $6 AND resolved_at IS NULL AND batch_id <> $7`, [at, r.actor, r.reason, r.meterId, r.endDay, r.value, c.batchId]);
  }
  await send(p, "UPDATE batches SET commit_seq = nextval('batches_commit_seq') WHERE batch_id = $1", [c.batchId]);
  return "committed";
}

/** Locks these partitions' version rows (in order, so commits cannot deadlock) and moves each on (queued: the next answer carries them). */
async function bumpPartitions(p: Pipeline, partitions: readonly number[]): Promise<void> {
  const ordered = [...new Set(partitions)].sort((a, b) => a - b);
  if (ordered.length === 0) return;
  // One row (a batch of one, a small batch) has no order to keep: its UPDATE is its lock.
  if (ordered.length > 1) {
    await send(p, "SELECT partition FROM partitions WHERE partition = ANY($1::integer[]) ORDER BY partition FOR UPDATE", [ordered]);
  }
  await send(p, "UPDATE partitions SET version = version + 1 WHERE partition = ANY($1::integer[])", [ordered]);
}

/**
 * Locks these buckets' version rows in the order given (bucket order: commits cannot deadlock),
 * made when missing, and moves each on by one in the same statement; their versions before. A
 * commit that then refuses (FENCED) rolls the move back with the rest.
 */
async function lockBuckets(p: Pipeline, buckets: readonly number[]): Promise<Map<number, number>> {
  const moved = await p.query<{ bucket: number; version: number }>(
    `INSERT INTO bucket_versions (bucket, version) SELECT unnest($1::integer[]), 1
     ON CONFLICT (bucket) DO UPDATE SET version = bucket_versions.version + 1 RETURNING bucket, version - 1 AS version`, [buckets]);
  return new Map(moved.rows.map((r) => [r.bucket, r.version]));
}

/** Keeps the new version of these locked (and moved) buckets with the slots its commit decided; now and then the old ones pruned. */
async function moveBuckets(p: Pipeline, now: Map<number, number>, runId: number,
  slots: ReadonlyArray<readonly [number, Uint8Array | null]>): Promise<void> {
  if (slots.length === 0) return;
  const buckets = slots.map(([bucket]) => bucket);
  const versions = buckets.map((b) => now.get(b)! + 1);
  await send(p, `INSERT INTO bucket_changes (bucket, version, run_id, slots)
    SELECT b, v, $3, s FROM unnest($1::integer[], $2::integer[], $4::bytea[]) AS u (b, v, s)`,
  [buckets, versions, runId, slots.map(([, bits]) => (bits === null ? null : Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength)))]);
  const prune = buckets.filter((_, i) => versions[i] % PRUNE_EVERY === 0);
  if (prune.length > 0) {
    // A running run's own changes stay: it has not seen its fences' versions move past them.
    await send(p, `DELETE FROM bucket_changes c USING unnest($1::integer[], $2::integer[]) AS u (b, v)
      WHERE c.bucket = u.b AND c.version <= u.v AND c.run_id NOT IN (SELECT run_id FROM runs WHERE status = 'running')`,
    [prune, prune.map((b) => now.get(b)! + 1 - CHANGES_KEPT)]);
  }
}

/** Judges every bucket fence (rejects FENCED) and moves the buckets and their partitions on; the buckets to merge, with the batch's slots. */
async function fenceBuckets(p: Pipeline, c: Commit, partitions: number, knownBefore: KnownBefore): Promise<Map<number, BucketFence["slots"]> | "duplicate"> {
  const fences = bucketFences(c, partitions);
  const merge = new Map<number, BucketFence["slots"]>();
  if (fences.length === 0) return merge;
  // Partitions first, then buckets, as every commit does: no two commits wait on each other.
  await bumpPartitions(p, fences.map((f) => f.bucket % partitions));
  const now = await lockBuckets(p, fences.map((f) => f.bucket));
  if (await knownBefore()) return "duplicate";
  const moved = fences.filter((f) => now.get(f.bucket) !== f.version);
  const changes = new Map<number, BucketChange[]>();
  if (moved.length > 0) {
    const rows = await p.query<{ bucket: number; version: number; run_id: number; slots: Buffer | null }>(
      `SELECT c.bucket, c.version, c.run_id, c.slots FROM bucket_changes c JOIN unnest($1::integer[], $2::integer[]) AS u (b, v)
       ON c.bucket = u.b AND c.version > u.v ORDER BY c.bucket, c.version`, [moved.map((f) => f.bucket), moved.map((f) => f.version)]);
    for (const r of rows.rows) {
      let list = changes.get(r.bucket);
      if (list === undefined) changes.set(r.bucket, (list = []));
      list.push({ version: r.version, runId: r.run_id, slots: r.slots === null ? null : new Uint8Array(r.slots) });
    }
  }
  const stale: string[] = [];
  for (const f of fences) {
    const verdict = judgeBucket(f, now.get(f.bucket) ?? 0, changes.get(f.bucket) ?? [], c.runId);
    if (verdict === "merge") merge.set(f.bucket, f.slots);
    else if (verdict !== "clean") stale.push(verdict);
  }
  if (stale.length > 0) throw fencedError(c, stale);
  await moveBuckets(p, now, c.runId, fences.map((f) => [f.bucket, slotBitmap(f.slots)] as const));
  return merge;
}

/** The state BLOBs to write: the batch's, merged with the stored ones of the buckets other writers changed. */
async function merged(p: Pipeline, state: Commit["state"], merge: Map<number, BucketFence["slots"]>): Promise<Commit["state"]> {
  if (merge.size === 0) return state;
  const stored = await p.query<{ bucket: number; state: Buffer }>("SELECT bucket, state FROM bucket_state WHERE bucket = ANY($1::integer[])",
    [[...merge.keys()]]);
  const byBucket = new Map(stored.rows.map((r) => [r.bucket, new Uint8Array(r.state)]));
  return state.map((st) => (merge.has(st.bucket)
    ? { bucket: st.bucket, ...mergeState(byBucket.get(st.bucket) ?? null, st, merge.get(st.bucket)!) } : st));
}

/**
 * Moves every fenced partition from its version to version + 1, or rejects FENCED; the buckets
 * the commit writes move on as changed in every meter (it does not say which it decided).
 */
async function fence(p: Pipeline, c: Commit, partitions: number, knownBefore: KnownBefore): Promise<Map<number, BucketFence["slots"]> | "duplicate"> {
  const byPartition = fenceVersions(c, partitions);
  const written = [...new Set([...c.state, ...c.segments].map((w) => w.bucket))].sort((a, b) => a - b);
  const moveWritten = async () => {
    if (written.length > 0) await moveBuckets(p, await lockBuckets(p, written), c.runId, written.map((b) => [b, null] as const));
    return new Map<number, BucketFence["slots"]>();
  };
  if (byPartition.size === 0) return moveWritten();
  // Locked in partition order, so two commits over the same partitions cannot deadlock; one that
  // waited on another's lock reads the version that commit left.
  const ordered = [...byPartition.keys()].sort((a, b) => a - b);
  const locked = await p.query<{ partition: number; version: number }>(
    "SELECT partition, version FROM partitions WHERE partition = ANY($1::integer[]) ORDER BY partition FOR UPDATE", [ordered]);
  if (await knownBefore()) return "duplicate";
  const stale = locked.rows.filter((r) => byPartition.get(r.partition) !== r.version)
    .map((r) => `${r.partition} (decided at ${byPartition.get(r.partition)}, now ${r.version})`);
  if (stale.length > 0 || locked.rowCount !== ordered.length) {
    throw new StoreError("MF_ERR_STORE_FENCED",
      `batch ${c.batchId} was decided on stale partitions: ${stale.join(", ")}; decide it again on fresh slices`);
  }
  await send(p, "UPDATE partitions SET version = version + 1 WHERE partition = ANY($1::integer[])", [ordered]);
  return moveWritten();
}

/** The last item of each key, in first-seen key order (one row per key for an upsert). */
function lastByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(key(item), item);
  return [...byKey.values()];
}
