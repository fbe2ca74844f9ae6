// A batch's commit in PostgreSQL: one transaction, idempotent by batch id, fenced by partition
// versions; every table gets one statement whatever the number of rows (binary COPY for BLOBs,
// held readings and alerts, unnest arrays for the few upserted rows), so a batch of 65,536
// ledger entries costs a handful of round trips, not one per row.
import { fenceVersions } from "../fence.js";
import type pg from "pg";
import type { Commit } from "../contract.js";
import { StoreError } from "../errors.js";
import { insertSegments, putStateBlobs } from "./blobs.js";
import { copyIn } from "./copy.js";

/** Inserts rows from parallel arrays: `INSERT INTO table (columns) SELECT * FROM unnest(...)`. */
async function insertColumns(client: pg.PoolClient, table: string, columns: ReadonlyArray<readonly [string, string, unknown[]]>,
  suffix = ""): Promise<void> {
  if (columns[0][2].length === 0) return;
  const names = columns.map(([name]) => name).join(", ");
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ");
  await client.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ${suffix}`,
    columns.map(([, , values]) => values));
}

/**
 * Runs one commit on `client` inside BEGIN/COMMIT. Resolves "duplicate" when the batch id is
 * known (its row is inserted first: a concurrent commit of the same id waits on it, then finds
 * it), rejects MF_ERR_STORE_FENCED when a fenced partition moved on.
 */
export async function commitBatch(client: pg.PoolClient, c: Commit, partitions: number, at: string): Promise<"committed" | "duplicate"> {
  const k = c.counts;
  const inserted = await client.query(
    `INSERT INTO batches (batch_id, run_id, seq, input, rows, billable, held, rejected, duplicates, sensor, rules_version, committed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (batch_id) DO NOTHING`,
    [c.batchId, c.runId, c.seq, c.input, k.rows, k.billable, k.held, k.rejected, k.duplicates, k.sensor, c.rulesVersion, at]);
  if (inserted.rowCount === 0) return "duplicate";

  await fence(client, c, partitions);

  await putStateBlobs(client, c.state);
  await insertSegments(client, c.batchId, c.segments);
  const held = c.held;
  await copyIn(client, "held", ["batch_id", "reading_id", "meter_id", "end_day", "value", "override", "source", "verification",
    "reasons", "line", "rules_version"], ["text", "text", "text", "int", "float", "float", "int", "int", "text", "text", "text"],
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
      default: return c.rulesVersion;
    }
  });
  const released = c.released ?? [];
  for (const r of released) {
    await client.query(`UPDATE held SET resolved_at = $1, resolved_by = $2, resolve_reason = $3
      WHERE meter_id = $4 AND end_day = $5 AND value = $6 AND resolved_at IS NULL`, [at, r.actor, r.reason, r.meterId, r.endDay, r.value]);
  }
  const rejected = c.rejected ?? [];
  if (rejected.length > 0) {
    await client.query("INSERT INTO rejected (batch_id, line) SELECT $1, unnest($2::text[])", [c.batchId, rejected]);
  }
  const alerts = c.alerts;
  await copyIn(client, "alerts", ["batch_id", "meter_id", "end_day", "rule", "line"], ["text", "text", "int", "text", "text"],
    alerts.length, (i, column) => {
      const a = alerts[i];
      return column === 0 ? c.batchId : column === 1 ? a.meterId : column === 2 ? a.endDay : column === 3 ? a.rule : a.line;
    });
  const flags = lastByKey(c.flags, (f) => f.meterId);
  await insertColumns(client, "flags", [
    ["meter_id", "text", flags.map((f) => f.meterId)],
    ["partition", "integer", flags.map((f) => f.partition)],
    ["reason", "text", flags.map((f) => f.reason)],
    ["note", "text", flags.map((f) => f.note)],
    ["actor", "text", flags.map((f) => f.actor)],
    ["at", "text", flags.map((f) => f.at)],
  ], `ON CONFLICT (meter_id) DO UPDATE SET partition = excluded.partition, reason = excluded.reason, note = excluded.note,
      actor = excluded.actor, at = excluded.at`);
  const audit = [...c.audit, ...released.map((r) => ({ meterId: r.meterId, action: "release" as const, reason: r.reason, actor: r.actor }))];
  await insertColumns(client, "audit", [
    ["meter_id", "text", audit.map((a) => a.meterId)],
    ["action", "text", audit.map((a) => a.action)],
    ["reason", "text", audit.map((a) => a.reason)],
    ["actor", "text", audit.map((a) => a.actor)],
    ["at", "text", audit.map(() => at)],
  ]);
  const episodes = lastByKey(c.episodes, (e) => e.key);
  const kept = episodes.filter((e) => e.data !== null);
  await insertColumns(client, "episodes", [
    ["key", "text", kept.map((e) => e.key)],
    ["data", "text", kept.map((e) => e.data)],
  ], "ON CONFLICT (key) DO UPDATE SET data = excluded.data");
  const dropped = episodes.filter((e) => e.data === null).map((e) => e.key);
  if (dropped.length > 0) await client.query("DELETE FROM episodes WHERE key = ANY($1::text[])", [dropped]);
  return "committed";
}

/** Moves every fenced partition from its version to version + 1, or rejects FENCED. */
async function fence(client: pg.PoolClient, c: Commit, partitions: number): Promise<void> {
  const byPartition = fenceVersions(c, partitions);
  if (byPartition.size === 0) return;
  // Locked in partition order, so two commits over the same partitions cannot deadlock; one that
  // waited on another's lock reads the version that commit left.
  const ordered = [...byPartition.keys()].sort((a, b) => a - b);
  const locked = await client.query<{ partition: number; version: number }>(
    "SELECT partition, version FROM partitions WHERE partition = ANY($1::integer[]) ORDER BY partition FOR UPDATE", [ordered]);
  const stale = locked.rows.filter((r) => byPartition.get(r.partition) !== r.version)
    .map((r) => `${r.partition} (decided at ${byPartition.get(r.partition)}, now ${r.version})`);
  if (stale.length > 0 || locked.rowCount !== ordered.length) {
    throw new StoreError("MF_ERR_STORE_FENCED",
      `batch ${c.batchId} was decided on stale partitions: ${stale.join(", ")}; decide it again on fresh slices`);
  }
  await client.query("UPDATE partitions SET version = version + 1 WHERE partition = ANY($1::integer[])", [ordered]);
}

/** The last item of each key, in first-seen key order (one row per key for an upsert). */
function lastByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(key(item), item);
  return [...byKey.values()];
}
