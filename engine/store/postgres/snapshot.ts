// One meter as an operator's view reads it (contract.ts MeterSnapshot), in one statement: its
// registry row, flag, version, open held readings, its bucket's state, its slot (from the
// bucket's ids in slot order) and the newest ledger segments whose slot bitmaps hold it. A GET
// /v1/meters/:id is then one round trip on one pooled connection, not seven on five.
import type pg from "pg";
import type { MeterSnapshot, SnapshotSegment } from "../contract.js";
import { REGISTRY_ROW_SQL } from "./registry.js";

/** A segment without max_end may hold any day: it stands for every day (days are far below it). */
export const ANY_DAY = 2147483647;

// $1 meter id, $2 its bucket, $3 held readings at most, $4 segments with their rows at most.
// A bitmap bit past its end is not set: CASE, not AND, keeps get_bit from reading past it.
const SNAPSHOT_SQL = `
WITH k AS (
  SELECT coalesce(array_position(b.ids, $1::text), 0) - 1 AS slot, coalesce(b.meters, s.meters) AS meters, s.state,
    b.bucket IS NOT NULL OR s.bucket IS NOT NULL AS stored, b.bucket IS NOT NULL AND b.ids IS NULL AS unknown
  FROM (SELECT $2::integer AS bucket) w LEFT JOIN buckets b ON b.bucket = w.bucket LEFT JOIN bucket_state s ON s.bucket = w.bucket
),
c AS (
  SELECT g.id, g.bucket, g.batch_id, g.entries, g.data,
    max(coalesce(g.max_end, ${ANY_DAY})) OVER (ORDER BY g.id) AS rest_end
  FROM segments g, k
  WHERE g.bucket = $2 AND k.slot >= 0
    AND CASE WHEN g.slots IS NULL THEN true WHEN (k.slot >> 3) < length(g.slots) THEN get_bit(g.slots, k.slot) = 1 ELSE false END
),
n AS (SELECT c.*, row_number() OVER (ORDER BY c.id DESC) AS r FROM c)
SELECT
  (SELECT row_to_json(m) FROM (SELECT ${REGISTRY_ROW_SQL} FROM meters WHERE meter_id = $1) m) AS registry,
  (SELECT row_to_json(f) FROM (SELECT meter_id AS "meterId", reason, note, actor, at FROM flags WHERE meter_id = $1) f) AS flag,
  (SELECT coalesce(max(id), 0) FROM audit WHERE meter_id = $1) AS version,
  (SELECT coalesce(json_agg(h ORDER BY h.id), '[]') FROM (
    SELECT h.id, h.reading_id AS "readingId", h.end_day AS "endDay", CASE WHEN h.value = 'NaN' THEN NULL ELSE h.value END AS value,
      h.reasons, h.rules_version AS "rulesVersion"
    FROM held h WHERE h.meter_id = $1 AND h.resolved_at IS NULL ORDER BY h.id LIMIT $3) h) AS held,
  k.slot, k.meters, k.state, k.stored, k.unknown,
  (SELECT coalesce(json_agg(json_build_object('id', n.id, 'restEnd', n.rest_end, 'bucket', n.bucket, 'batchId', n.batch_id, 'entries', n.entries,
      'data', CASE WHEN n.r <= $4 THEN encode(n.data, 'base64') END) ORDER BY n.id DESC), '[]')
    FROM n WHERE n.r <= $4 + 1) AS segments
FROM k`;

interface SnapshotRow {
  registry: MeterSnapshot["registry"] | null;
  flag: MeterSnapshot["flag"] | null;
  version: string;
  /** value null: NaN (JSON has none). */
  held: Array<Omit<MeterSnapshot["held"][number], "value"> & { id: number; value: number | null }>;
  slot: number;
  meters: number | null;
  state: Buffer | null;
  stored: boolean;
  /** The bucket's registry BLOB is not one this meterflow reads: its ids are not kept. */
  unknown: boolean;
  segments: Array<{ id: number; restEnd: number; bucket: number; batchId: string; entries: number; data: string | null }>;
}

/**
 * The snapshot of `meterId` (in `bucket`) by one statement on any pooled client; undefined when
 * its bucket's ids are not kept (its registry BLOB is not one this meterflow decodes).
 */
export async function readMeterSnapshot(pool: pg.Pool, meterId: string, bucket: number, limits: { held: number; segments: number }): Promise<MeterSnapshot | undefined> {
  const result = await pool.query<SnapshotRow>(SNAPSHOT_SQL, [meterId, bucket, limits.held, limits.segments]);
  const r = result.rows[0];
  if (r.unknown) return undefined;
  return {
    registry: r.registry ?? undefined,
    flag: r.flag ?? undefined,
    version: Number(r.version),
    held: r.held.map(({ id: _, value, ...h }) => ({ ...h, value: value ?? Number.NaN })),
    bucket: r.stored ? { meters: r.meters ?? 0, state: r.state === null ? null : new Uint8Array(r.state.buffer, r.state.byteOffset, r.state.byteLength) } : undefined,
    slot: r.slot,
    segments: r.segments.map((s): SnapshotSegment => ({
      id: s.id, restEnd: s.restEnd,
      row: s.data === null ? null : { bucket: s.bucket, batchId: s.batchId, entries: s.entries, data: Buffer.from(s.data, "base64") },
    })),
  };
}
