// One meter as an operator's view reads it (contract.ts MeterSnapshot), in one statement: its
// registry row, flag, version, open held readings, its bucket's state, its slot (from the
// bucket's ids in slot order) and the newest ledger segments whose slot bitmaps hold it. A GET
// /v1/meters/:id is then one round trip on one pooled connection, not seven on five.
//
// The statement is a binary COPY, as every BLOB read here is (copy.ts): a meter's segments are
// whole-bucket BLOBs (about 11 KB each on a 1M-meter store, a night's each), and as base64 in
// JSON they cost more than the rest of the read (measured: 3.6 against 1.4 ms for 16 of them).
// COPY takes no parameters: the meter id goes in as a quoted literal, the numbers checked, and
// the statement is a function's (schema.ts migration 11), whose plan each connection keeps.
import pg from "pg";
import type { MeterSnapshot, SnapshotSegment } from "../contract.js";
import { StoreError } from "../errors.js";
import { withClient } from "./blobs.js";
import { copyOut } from "./copy.js";
import type { CopyKind } from "./copy.js";
import { REGISTRY_FIELDS } from "./registry.js";

/**
 * Rows (the function meterflow_meter_snapshot, schema.ts migration 11): the meter's (kind 0:
 * version, its bucket's state, its meters row and flag and held readings as JSON, slot, meter
 * count, whether the bucket is stored, whether its ids are unknown), then its segments newest
 * first (kind 1: id, rest end, bucket, batch id, entries, data; data NULL for the one past the
 * limit).
 */
function snapshotSql(id: string, bucket: number, held: number, segments: number): string {
  return `SELECT * FROM meterflow_meter_snapshot(${id}, ${bucket}, ${held}, ${segments})`;
}

/** A meters row's JSON (by column) as a RegistryRow (by field). */
function registryRow(json: string): MeterSnapshot["registry"] {
  const row = JSON.parse(json) as Record<string, unknown>;
  return Object.fromEntries([["meterId", row.meter_id], ...REGISTRY_FIELDS.map(([column, field]) => [field, row[column]])]) as MeterSnapshot["registry"];
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
    registry: registry === null ? undefined : registryRow(registry as string),
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
