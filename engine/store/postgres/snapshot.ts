// One meter as an operator's view reads it (contract.ts MeterSnapshot), in one statement: its
// registry row, flag, version, open held readings, its bucket's state, its slot (from the
// bucket's ids in slot order) and the newest ledger segments whose slot bitmaps hold it. A GET
// /v1/meters/:id is then one round trip on one pooled connection, not seven on five.
//
// The statement is a binary COPY, as every BLOB read here is (copy.ts): a meter's segments are
// whole-bucket BLOBs (about 11 KB each on a 1M-meter store, a night's each), and as base64 in
// JSON they cost more than the rest of the read (measured: 3.6 against 1.4 ms for 16 of them).
// COPY takes no parameters: the meter id goes in as a quoted literal, the numbers checked.
import pg from "pg";
import type { MeterSnapshot, SnapshotSegment } from "../contract.js";
import { StoreError } from "../errors.js";
import { withClient } from "./blobs.js";
import { copyOut } from "./copy.js";
import type { CopyKind } from "./copy.js";
import { REGISTRY_ROW_SQL } from "./registry.js";

/** A segment without max_end may hold any day: it stands for every day (days are far below it). */
export const ANY_DAY = 2147483647;

/**
 * Rows: the meter's (kind 0: version, its bucket's state, registry row, flag and held readings as
 * JSON, slot, meter count, whether the bucket is stored, whether its ids are unknown), then its
 * segments newest first (kind 1: id, rest end, bucket, batch id, entries, data; data NULL for the
 * one past the limit). A bitmap bit past its end is not set: CASE, not AND, keeps get_bit in it.
 */
function snapshotSql(id: string, bucket: number, held: number, segments: number): string {
  return `
WITH k AS (
  SELECT coalesce(array_position(b.ids, ${id}::text), 0) - 1 AS slot, coalesce(b.meters, s.meters) AS meters, s.state,
    b.bucket IS NOT NULL OR s.bucket IS NOT NULL AS stored, b.bucket IS NOT NULL AND b.ids IS NULL AS unknown
  FROM (SELECT ${bucket} AS bucket) w LEFT JOIN buckets b ON b.bucket = w.bucket LEFT JOIN bucket_state s ON s.bucket = w.bucket
),
c AS (
  SELECT g.id, g.bucket, g.batch_id, g.entries, g.data, max(coalesce(g.max_end, ${ANY_DAY})) OVER (ORDER BY g.id) AS rest_end
  FROM segments g, k
  WHERE g.bucket = ${bucket} AND k.slot >= 0
    AND CASE WHEN g.slots IS NULL THEN true WHEN (k.slot >> 3) < length(g.slots) THEN get_bit(g.slots, k.slot) = 1 ELSE false END
),
n AS (SELECT c.*, row_number() OVER (ORDER BY c.id DESC) AS r FROM c)
SELECT 0 AS kind, (SELECT coalesce(max(id), 0) FROM audit WHERE meter_id = ${id})::float8 AS id, NULL::integer, NULL::integer, NULL::integer,
  NULL::text, k.state,
  (SELECT row_to_json(m)::text FROM (SELECT ${REGISTRY_ROW_SQL} FROM meters WHERE meter_id = ${id}) m),
  (SELECT row_to_json(f)::text FROM (SELECT meter_id AS "meterId", reason, note, actor, at FROM flags WHERE meter_id = ${id}) f),
  (SELECT coalesce(json_agg(h ORDER BY h.id), '[]')::text FROM (
    SELECT h.id, h.reading_id AS "readingId", h.end_day AS "endDay", CASE WHEN h.value = 'NaN' THEN NULL ELSE h.value END AS value,
      h.reasons, h.rules_version AS "rulesVersion"
    FROM held h WHERE h.meter_id = ${id} AND h.resolved_at IS NULL ORDER BY h.id LIMIT ${held}) h),
  k.slot, k.meters, k.stored::integer, k.unknown::integer
FROM k
UNION ALL
SELECT 1, n.id::float8, n.rest_end, n.bucket, n.entries, n.batch_id, CASE WHEN n.r <= ${segments} THEN n.data END,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM n WHERE n.r <= ${segments + 1}
ORDER BY 1, 2 DESC`;
}

const KINDS: readonly CopyKind[] = ["int", "float", "int", "int", "int", "text", "bytea", "text", "text", "text", "int", "int", "int", "int"];

/** A count for the statement: a non-negative integer, checked (it is written into it). */
function count(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new StoreError("MF_ERR_STORE_READ", `${what} must be a non-negative integer, got ${String(n)}`);
  return n;
}

/**
 * The snapshot of `meterId` (in `bucket`) by one statement on any pooled client; undefined when
 * its bucket's ids are not kept (its registry BLOB is not one this meterflow decodes).
 */
export async function readMeterSnapshot(pool: pg.Pool, meterId: string, bucket: number, limits: { held: number; segments: number }): Promise<MeterSnapshot | undefined> {
  const sql = snapshotSql(pg.escapeLiteral(meterId), count(bucket, "bucket"), count(limits.held, "held"), count(limits.segments, "segments"));
  const [meter, ...segments] = await withClient(pool, (client) => copyOut(client, sql, KINDS));
  const [, version, , , , , state, registry, flag, held, slot, meters, stored, unknown] = meter;
  if (unknown === 1) return undefined;
  const heldRows = JSON.parse(held as string) as Array<Omit<MeterSnapshot["held"][number], "value"> & { id: number; value: number | null }>;
  return {
    registry: registry === null ? undefined : JSON.parse(registry as string) as MeterSnapshot["registry"],
    flag: flag === null ? undefined : JSON.parse(flag as string) as MeterSnapshot["flag"],
    version: version as number,
    // NULL stands for NaN (JSON has none).
    held: heldRows.map(({ id: _, value, ...h }) => ({ ...h, value: value ?? Number.NaN })),
    bucket: stored === 1 ? { meters: (meters as number | null) ?? 0, state: state as Uint8Array | null } : undefined,
    slot: slot as number,
    segments: segments.map(([, id, restEnd, segmentBucket, entries, batchId, data]): SnapshotSegment => ({
      id: id as number, restEnd: restEnd as number,
      row: data === null ? null : { bucket: segmentBucket as number, batchId: batchId as string, entries: entries as number, data: data as Uint8Array },
    })),
  };
}
