// A batch's commit in SQLite: one IMMEDIATE transaction (the write lock taken before the fence
// is read, so two connections cannot both pass it), idempotent by batch id, fenced by the
// meters of its buckets (bucket-fence.ts) or, without bucket fences, by partition versions. What
// it writes matches the PostgreSQL store's commit row for row.
import { bucketFences, CHANGES_KEPT, fencedError, judgeBucket, mergeState, PRUNE_EVERY, slotBitmap } from "../bucket-fence.js";
import type { BucketChange } from "../bucket-fence.js";
import { fenceVersions } from "../fence.js";
import type Database from "better-sqlite3";
import { encodeBatchSensors, photoBytes } from "../contract.js";
import type { BucketFence, Commit } from "../contract.js";
import { StoreError } from "../errors.js";
import { heldRecordId, inReadingOrder } from "../held-order.js";
import { encodeHeldPulse } from "../held-pulse.js";

/** The commit statements of one connection. */
export interface CommitStatements {
  known: Database.Statement;
  version: Database.Statement;
  bump: Database.Statement;
  state: Database.Statement;
  segment: Database.Statement;
  held: Database.Statement;
  release: Database.Statement;
  rejected: Database.Statement;
  alert: Database.Statement;
  flag: Database.Statement;
  audit: Database.Statement;
  episode: Database.Statement;
  dropEpisode: Database.Statement;
  batch: Database.Statement;
  bucketVersion: Database.Statement;
  bucketBump: Database.Statement;
  changes: Database.Statement;
  change: Database.Statement;
  prune: Database.Statement;
  storedState: Database.Statement;
  photo: Database.Statement;
}

export function prepareCommit(db: Database.Database): CommitStatements {
  return {
    known: db.prepare("SELECT 1 FROM batches WHERE batch_id = ?").pluck(),
    version: db.prepare("SELECT version FROM partitions WHERE partition = ?").pluck(),
    bump: db.prepare(`INSERT INTO partitions (partition, version) VALUES (?, 1)
      ON CONFLICT (partition) DO UPDATE SET version = version + 1`),
    // State BLOBs have their own table (layout 9), as in the PostgreSQL store: a bucket may have
    // state and no registry row.
    state: db.prepare(`INSERT INTO bucket_state (bucket, meters, state) VALUES (?, ?, ?)
      ON CONFLICT (bucket) DO UPDATE SET meters = excluded.meters, state = excluded.state`),
    segment: db.prepare("INSERT INTO segments (bucket, batch_id, entries, data, max_end, slots) VALUES (?, ?, ?, ?, ?, ?)"),
    held: db.prepare(`INSERT INTO held (reading_id, batch_id, meter_id, end_day, value, override, source, verification,
      reasons, line, rules_version, photo, pulse) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    // Not the batch's own held rows: a release that held its reading again (decide/rejudge.ts)
    // resolves the record it was held under, the new one in its place stays open.
    release: db.prepare(`UPDATE held SET resolved_at = ?, resolved_by = ?, resolve_reason = ?
      WHERE meter_id = ? AND end_day = ? AND value = ? AND resolved_at IS NULL AND batch_id <> ?`),
    rejected: db.prepare("INSERT INTO rejected (batch_id, line) VALUES (?, ?)"),
    alert: db.prepare("INSERT INTO alerts (batch_id, meter_id, end_day, rule, line) VALUES (?, ?, ?, ?, ?)"),
    flag: db.prepare("INSERT OR REPLACE INTO flags (meter_id, partition, reason, note, actor, at) VALUES (?, ?, ?, ?, ?, ?)"),
    audit: db.prepare("INSERT INTO audit (meter_id, action, reason, actor, at) VALUES (?, ?, ?, ?, ?)"),
    episode: db.prepare("INSERT INTO episodes (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data"),
    dropEpisode: db.prepare("DELETE FROM episodes WHERE key = ?"),
    batch: db.prepare(`INSERT INTO batches (batch_id, run_id, seq, input, rows, billable, held, rejected, duplicates, sensor,
      sensors, rules_version, committed_at, commit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(commit_seq), 0) + 1 FROM batches))`),
    bucketVersion: db.prepare("SELECT version FROM bucket_versions WHERE bucket = ?").pluck(),
    bucketBump: db.prepare(`INSERT INTO bucket_versions (bucket, version) VALUES (?, 1)
      ON CONFLICT (bucket) DO UPDATE SET version = version + 1 RETURNING version`).pluck(),
    changes: db.prepare("SELECT version, run_id, slots FROM bucket_changes WHERE bucket = ? AND version > ? ORDER BY version").raw(),
    change: db.prepare("INSERT INTO bucket_changes (bucket, version, run_id, slots) VALUES (?, ?, ?, ?)"),
    // A running run's own changes stay: it has not seen its fences' versions move past them.
    prune: db.prepare(`DELETE FROM bucket_changes WHERE bucket = ? AND version <= ?
      AND run_id NOT IN (SELECT run_id FROM runs WHERE status = 'running')`),
    storedState: db.prepare("SELECT state FROM bucket_state WHERE bucket = ?").pluck(),
    photo: db.prepare("INSERT OR IGNORE INTO photos (sha256, media_type, data, stored_at) VALUES (?, ?, ?, ?)"),
  };
}

/** NaN is stored as NULL (SQLite has no NaN); readers turn NULL back into NaN. */
const real = (v: number) => (Number.isNaN(v) ? null : v);

/** Runs one commit; the caller holds the (IMMEDIATE) transaction. */
export function commitBatch(s: CommitStatements, c: Commit, partitions: number, at: string): "committed" | "duplicate" {
  if (s.known.get(c.batchId) !== undefined) return "duplicate";
  const merge = c.buckets === undefined ? fence(s, c, partitions) : fenceBuckets(s, c, partitions);
  for (const st of c.state) {
    const slots = merge.get(st.bucket);
    const { meters, state } = slots === undefined ? st
      : mergeState((s.storedState.get(st.bucket) as Uint8Array | null | undefined) ?? null, st, slots);
    s.state.run(st.bucket, meters, state);
  }
  for (const g of c.segments) s.segment.run(g.bucket, c.batchId, g.entries, g.data, g.maxEnd ?? null, g.slots === undefined ? null : slotBitmap(g.slots));
  for (const h of inReadingOrder(c.held, heldRecordId)) {
    s.held.run(h.readingId, c.batchId, h.meterId, h.endDay, real(h.value), real(h.override), h.source, h.verification,
      h.reasons, h.line, c.rulesVersion, h.photo === true ? 1 : 0, encodeHeldPulse(h.pulse));
  }
  for (const r of c.released ?? []) {
    s.release.run(at, r.actor, r.reason, r.meterId, r.endDay, r.value, c.batchId);
    s.audit.run(r.meterId, "release", r.reason, r.actor, at);
  }
  for (const line of c.rejected ?? []) s.rejected.run(c.batchId, line);
  for (const a of c.alerts) s.alert.run(c.batchId, a.meterId, a.endDay, a.rule, a.line);
  for (const f of c.flags) s.flag.run(f.meterId, f.partition, f.reason, f.note, f.actor, f.at);
  for (const a of c.audit) s.audit.run(a.meterId, a.action, a.reason, a.actor, at);
  for (const e of c.episodes) {
    if (e.data === null) s.dropEpisode.run(e.key);
    else s.episode.run(e.key, e.data);
  }
  for (const p of c.photos ?? []) s.photo.run(p.sha256, p.mediaType, photoBytes(p), at);
  const k = c.counts;
  s.batch.run(c.batchId, c.runId, c.seq, c.input, k.rows, k.billable, k.held, k.rejected, k.duplicates, k.sensor ?? 0,
    encodeBatchSensors(c.sensors), c.rulesVersion, at);
  return "committed";
}

/** Judges every bucket fence and moves each bucket on (its change kept); the buckets to merge, with the batch's slots. */
function fenceBuckets(s: CommitStatements, c: Commit, partitions: number): Map<number, BucketFence["slots"]> {
  const fences = bucketFences(c, partitions);
  const stale: string[] = [];
  const merge = new Map<number, BucketFence["slots"]>();
  for (const f of fences) {
    const now = (s.bucketVersion.get(f.bucket) as number | undefined) ?? 0;
    const changes = now === f.version ? [] : (s.changes.all(f.bucket, f.version) as Array<[number, number, Uint8Array | null]>)
      .map(([version, runId, slots]): BucketChange => ({ version, runId, slots }));
    const verdict = judgeBucket(f, now, changes, c.runId);
    if (verdict === "merge") merge.set(f.bucket, f.slots);
    else if (verdict !== "clean") stale.push(verdict);
  }
  if (stale.length > 0) throw fencedError(c, stale);
  for (const f of fences) moveBucket(s, f.bucket, c.runId, slotBitmap(f.slots));
  for (const partition of new Set(fences.map((f) => f.bucket % partitions))) s.bump.run(partition);
  return merge;
}

/** The bucket's next version, with the slots its commit decided; now and then the old changes pruned. */
function moveBucket(s: CommitStatements, bucket: number, runId: number, slots: Uint8Array | null): void {
  const version = s.bucketBump.get(bucket) as number;
  s.change.run(bucket, version, runId, slots);
  if (version % PRUNE_EVERY === 0) s.prune.run(bucket, version - CHANGES_KEPT);
}

/**
 * Moves every fenced partition from its version to version + 1, or throws FENCED; the buckets
 * the commit writes move on as changed in every meter (it does not say which it decided).
 */
function fence(s: CommitStatements, c: Commit, partitions: number): Map<number, BucketFence["slots"]> {
  const byPartition = fenceVersions(c, partitions);
  const stale: string[] = [];
  for (const [partition, version] of byPartition) {
    const now = (s.version.get(partition) as number | undefined) ?? 0;
    if (now !== version) stale.push(`${partition} (decided at ${version}, now ${now})`);
  }
  if (stale.length > 0) {
    throw new StoreError("MF_ERR_STORE_FENCED",
      `batch ${c.batchId} was decided on stale partitions: ${stale.join(", ")}; decide it again on fresh slices`);
  }
  for (const partition of byPartition.keys()) s.bump.run(partition);
  for (const bucket of new Set([...c.state, ...c.segments].map((w) => w.bucket))) moveBucket(s, bucket, c.runId, null);
  return new Map();
}
