// The BLOB tables (buckets' registry and state, ledger segments), written and read by binary COPY
// (copy.ts says why): a run's loads and commits move megabytes of them per batch.
import type pg from "pg";
import type { BucketRow, SegmentRow } from "../contract.js";
import { StoreError } from "../errors.js";
import { copyIn, copyOut } from "./copy.js";

/**
 * Upserts one BLOB column of buckets through a per-connection temporary table emptied at every
 * commit. `registry` also sets the bucket's meter count; `state` keeps it (a bucket first seen by
 * its state gets an empty registry BLOB).
 */
export async function putBucketBlobs(client: pg.PoolClient, column: "registry" | "state",
  items: ReadonlyArray<{ bucket: number; meters: number; blob: Uint8Array }>, partitions: number): Promise<void> {
  if (items.length === 0) return;
  // In bucket order, so two writers of overlapping buckets lock them in the same order.
  const sorted = [...items].sort((a, b) => a.bucket - b.bucket);
  await client.query(
    "CREATE TEMPORARY TABLE IF NOT EXISTS mf_bucket_in (bucket integer, meters integer, blob bytea) ON COMMIT DELETE ROWS");
  // Empty already unless used earlier in this transaction.
  await client.query("DELETE FROM mf_bucket_in");
  await copyIn(client, "mf_bucket_in", ["bucket", "meters", "blob"], ["int", "int", "bytea"], sorted.length, (i, c) => {
    const item = sorted[i];
    return c === 0 ? item.bucket : c === 1 ? item.meters : item.blob;
  });
  const blobs = column === "registry" ? "blob, NULL::bytea" : "'\\x'::bytea, blob";
  const update = column === "registry" ? "meters = excluded.meters, registry = excluded.registry" : "state = excluded.state";
  await client.query(
    `INSERT INTO buckets (bucket, partition, meters, registry, state)
     SELECT bucket, bucket % ${partitions}, meters, ${blobs} FROM mf_bucket_in ORDER BY bucket
     ON CONFLICT (bucket) DO UPDATE SET ${update}`);
}

/** Appends one batch's ledger segments. */
export async function insertSegments(client: pg.PoolClient, batchId: string,
  segments: ReadonlyArray<{ bucket: number; entries: number; data: Uint8Array }>): Promise<void> {
  await copyIn(client, "segments", ["bucket", "batch_id", "entries", "data"], ["int", "text", "int", "bytea"], segments.length,
    (i, c) => (c === 0 ? segments[i].bucket : c === 1 ? batchId : c === 2 ? segments[i].entries : segments[i].data));
}

/** `{1,2,3}` for a COPY query (COPY takes no parameters): integers only, checked. */
function intList(values: readonly number[], what: string): string {
  for (const v of values) {
    if (!Number.isSafeInteger(v)) throw new StoreError("MF_ERR_STORE_READ", `${what} must be integers, got ${String(v)}`);
  }
  return `'{${values.join(",")}}'::integer[]`;
}

/** Runs a COPY TO on a pooled client. */
async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    // A COPY cut short leaves the connection mid-protocol: never hand it to someone else.
    broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The stored buckets among `buckets`, by bucket. */
export async function readBucketRows(pool: pg.Pool, buckets: readonly number[]): Promise<BucketRow[]> {
  if (buckets.length === 0) return [];
  const rows = await withClient(pool, (client) => copyOut(client,
    `SELECT bucket, meters, registry, state FROM buckets WHERE bucket = ANY(${intList(buckets, "buckets")}) ORDER BY bucket`,
    ["int", "int", "bytea", "bytea"]));
  return rows.map(([bucket, meters, registry, state]) =>
    ({ bucket: bucket as number, meters: meters as number, registry: registry as Uint8Array, state: state as Uint8Array | null }));
}

/** Ledger segments of these buckets, in commit order. */
export async function readSegmentRows(pool: pg.Pool, buckets: readonly number[]): Promise<SegmentRow[]> {
  if (buckets.length === 0) return [];
  const rows = await withClient(pool, (client) => copyOut(client,
    `SELECT bucket, batch_id, entries, data FROM segments WHERE bucket = ANY(${intList(buckets, "buckets")}) ORDER BY id`,
    ["int", "text", "int", "bytea"]));
  return rows.map(([bucket, batchId, entries, data]) =>
    ({ bucket: bucket as number, batchId: batchId as string, entries: entries as number, data: data as Uint8Array }));
}
