// The BLOB tables (buckets' registry and state, ledger segments), written and read by binary COPY
// (copy.ts says why): a run's loads and commits move megabytes of them per batch.
import type pg from "pg";
import { slotBitmap } from "../bucket-fence.js";
import { decodeRegistry } from "../bucket.js";
import { registryLimits } from "../bucket-registry-blob.js";
import { registryIds } from "../registry-ids.js";
import type { RegistryIds } from "../registry-ids.js";
import type { BucketRow, Commit, SegmentRow } from "../contract.js";
import { StoreError } from "../errors.js";
import { copyIn, copyOut, FEW_ROWS, writeRows } from "./copy.js";
import type { CopyKind, CopyValue } from "./copy.js";
import { direct, send } from "./pipeline.js";
import type { Statements } from "./pipeline.js";

/**
 * Replaces the rows of these buckets in `table` (its first column `bucket`): one DELETE, then one
 * binary COPY straight into the table. No temporary table and no upsert: the BLOBs cross the
 * server once. (Measured on the 41 MB of state BLOBs a 1M-meter night commits per batch: upsert
 * through a temporary table 0.5-1.1 s, DELETE + COPY 0.25-0.4 s into an lz4 column.) Two
 * writers of one bucket are serialised before this: commits by their partitions' fence rows,
 * registry imports by the lock on `meters`.
 */
/** The last item of each bucket, in bucket order: writers of overlapping buckets lock them in one order. */
function lastInBucketOrder<T extends { bucket: number }>(items: readonly T[]): T[] {
  const byBucket = new Map<number, T>();
  for (const item of items) byBucket.set(item.bucket, item);
  return [...byBucket.values()].sort((a, b) => a.bucket - b.bucket);
}

async function replaceBuckets<T extends { bucket: number }>(to: Statements, table: string, columns: readonly string[],
  kinds: readonly CopyKind[], items: readonly T[], value: (item: T, column: number) => CopyValue): Promise<void> {
  if (items.length === 0) return;
  const sorted = lastInBucketOrder(items);
  await send(to, `DELETE FROM ${table} WHERE bucket = ANY($1::integer[])`, [sorted.map((item) => item.bucket)]);
  await copyIn(await direct(to), table, columns, kinds, sorted.length, (i, c) => value(sorted[i], c));
}

/**
 * A text[] as PostgreSQL's binary form of it (what array_recv reads): a COPY cell of kind bytea
 * is sent as it is, so it fills a text[] column. One dimension from 1, no NULLs, elements text (oid 25).
 */
export function textArrayBinary(values: readonly string[]): Uint8Array {
  let size = values.length === 0 ? 12 : 20;
  for (const v of values) size += 4 + Buffer.byteLength(v, "utf8");
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt32BE(values.length === 0 ? 0 : 1, 0);
  at = out.writeInt32BE(0, at);
  at = out.writeInt32BE(25, at);
  if (values.length > 0) at = out.writeInt32BE(1, out.writeInt32BE(values.length, at));
  for (const v of values) {
    const n = out.write(v, at + 4, "utf8");
    out.writeInt32BE(n, at);
    at += 4 + n;
  }
  return out;
}

/** Ids given as bytes (registry-ids.ts) as PostgreSQL's binary text[] (textArrayBinary's form). */
function textArrayOfBytes(ids: RegistryIds): Uint8Array {
  const n = ids.size;
  const out = Buffer.allocUnsafe((n === 0 ? 12 : 20) + 4 * n + (n === 0 ? 0 : ids.ends[n - 1]));
  let at = out.writeInt32BE(n === 0 ? 0 : 1, 0);
  at = out.writeInt32BE(0, at);
  at = out.writeInt32BE(25, at);
  if (n > 0) at = out.writeInt32BE(1, out.writeInt32BE(n, at));
  // Short ids: their length (big-endian) and bytes by hand, no Buffer call per id.
  const { bytes, ends } = ids;
  for (let slot = 0, start = 0; slot < n; start = ends[slot++]) {
    const end = ends[slot];
    const len = end - start;
    out[at] = len >>> 24;
    out[at + 1] = (len >>> 16) & 0xff;
    out[at + 2] = (len >>> 8) & 0xff;
    out[at + 3] = len & 0xff;
    at += 4;
    for (let i = start; i < end; i++) out[at++] = bytes[i];
  }
  return out;
}

/**
 * A registry BLOB's ids in slot order as a binary text[]; null for bytes that are not a registry
 * BLOB. ASCII ids are copied as bytes from the BLOB (no string per meter: an import of a million
 * meters writes them all); others go through their strings.
 */
function idsOf(registry: Uint8Array): Uint8Array | null {
  const bytes = registryIds(registry);
  if (bytes !== undefined) return textArrayOfBytes(bytes);
  let ids: string[];
  try {
    ids = decodeRegistry(registry).ids;
  } catch {
    return null;
  }
  return textArrayBinary(ids);
}

/**
 * Writes buckets' registry BLOBs and meter counts (their state BLOBs are kept: another table), and
 * each bucket's meter ids in slot order (`ids`, decoded from its BLOB; NULL where the bytes are
 * not one): one meter's reads find its slot in SQL.
 */
export async function putRegistryBlobs(client: pg.PoolClient, items: ReadonlyArray<{ bucket: number; meters: number; registry: Uint8Array }>,
  partitions: number): Promise<void> {
  await replaceBuckets(client, "buckets", ["bucket", "partition", "meters", "registry", "ids", "limits"], ["int", "int", "int", "bytea", "bytea", "int"], items,
    (item, c) => (c === 0 ? item.bucket : c === 1 ? item.bucket % partitions : c === 2 ? item.meters : c === 3 ? item.registry
      : c === 4 ? idsOf(item.registry) : registryLimits(item.registry)));
}

/** Fills `limits` of the buckets written before it was kept (a migration; the caller holds the transaction). */
export async function fillBucketLimits(client: pg.PoolClient): Promise<void> {
  const rows = await copyOut(client, "SELECT bucket, registry FROM buckets", ["int", "bytea"]);
  if (rows.length === 0) return;
  const limited = rows.filter((r) => registryLimits(r[1] as Uint8Array) === 1).map((r) => r[0] as number);
  await client.query("UPDATE buckets SET limits = CASE WHEN bucket = ANY($1::integer[]) THEN 1 ELSE 0 END", [limited]);
}

/** Fills `ids` of the buckets written before it was kept (a migration; the caller holds the transaction). */
export async function fillBucketIds(client: pg.PoolClient): Promise<void> {
  const rows = await copyOut(client, "SELECT bucket, registry FROM buckets", ["int", "bytea"]);
  if (rows.length === 0) return;
  await client.query("CREATE TEMPORARY TABLE mf_bucket_ids (bucket integer, ids text[]) ON COMMIT DROP");
  await copyIn(client, "mf_bucket_ids", ["bucket", "ids"], ["int", "bytea"], rows.length,
    (i, c) => (c === 0 ? rows[i][0] : idsOf(rows[i][1] as Uint8Array)));
  await client.query("UPDATE buckets b SET ids = i.ids FROM mf_bucket_ids i WHERE i.bucket = b.bucket");
}

/** Writes buckets' state BLOBs (`meters`: how many meters the BLOB covers). */
export async function putStateBlobs(to: Statements, items: ReadonlyArray<{ bucket: number; meters: number; state: Uint8Array }>): Promise<void> {
  const columns = ["bucket", "meters", "state"];
  const kinds: CopyKind[] = ["int", "int", "bytea"];
  const cell = (item: (typeof items)[number], c: number) => (c === 0 ? item.bucket : c === 1 ? item.meters : item.state);
  if (items.length > FEW_ROWS) return replaceBuckets(to, "bucket_state", columns, kinds, items, cell);
  // A few buckets (a batch of one): upserted by one statement, not deleted, then copied.
  const sorted = lastInBucketOrder(items);
  await writeRows(to, "bucket_state", columns, kinds, sorted.length, (i, c) => cell(sorted[i], c),
    "ON CONFLICT (bucket) DO UPDATE SET meters = excluded.meters, state = excluded.state");
}

/** Appends one batch's ledger segments (with the latest end day and the meters' slots of each, where given). */
export async function insertSegments(to: Statements, batchId: string, segments: Commit["segments"]): Promise<void> {
  const slots = segments.map((s) => (s.slots === undefined ? null : slotBitmap(s.slots)));
  await writeRows(to, "segments", ["bucket", "batch_id", "entries", "data", "max_end", "slots"], ["int", "text", "int", "bytea", "int", "bytea"],
    segments.length, (i, c) => {
      const s = segments[i];
      return c === 0 ? s.bucket : c === 1 ? batchId : c === 2 ? s.entries : c === 3 ? s.data : c === 4 ? s.maxEnd ?? null : slots[i];
    });
}

/** `{1,2,3}` for a COPY query (COPY takes no parameters): integers only, checked. */
function intList(values: readonly number[], what: string, type = "integer"): string {
  for (const v of values) {
    if (!Number.isSafeInteger(v)) throw new StoreError("MF_ERR_STORE_READ", `${what} must be integers, got ${String(v)}`);
  }
  return `'{${values.join(",")}}'::${type}[]`;
}

/** Runs a COPY TO on a pooled client (released broken when the COPY failed). */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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

/**
 * The stored buckets among `buckets`, by bucket: registry (`buckets`) and state (`bucket_state`)
 * joined; a bucket with state and no registry row has an empty registry and the state's count.
 */
export async function readBucketRows(pool: pg.Pool, buckets: readonly number[]): Promise<BucketRow[]> {
  if (buckets.length === 0) return [];
  const wanted = intList([...new Set(buckets)], "buckets");
  const rows = await withClient(pool, (client) => copyOut(client,
    `SELECT w.bucket, coalesce(b.meters, s.meters), coalesce(b.registry, '\\x'::bytea), s.state, coalesce(v.version, 0)
     FROM unnest(${wanted}) w (bucket) LEFT JOIN buckets b ON b.bucket = w.bucket LEFT JOIN bucket_state s ON s.bucket = w.bucket
       LEFT JOIN bucket_versions v ON v.bucket = w.bucket
     WHERE b.bucket IS NOT NULL OR s.bucket IS NOT NULL ORDER BY w.bucket`,
    ["int", "int", "bytea", "bytea", "int"]));
  return rows.map(([bucket, meters, registry, state, version]) => ({
    bucket: bucket as number, meters: meters as number, registry: registry as Uint8Array, state: state as Uint8Array | null, version: version as number,
  }));
}

/**
 * The registry BLOBs of these buckets alone (no state): for the decoding thread's checks and
 * slots; with `limited`, only of those that may have limits (`limits` not 0: the limit check's).
 */
export async function readRegistryRows(pool: pg.Pool, buckets: readonly number[], limited = false): Promise<Array<{ bucket: number; meters: number; registry: Uint8Array }>> {
  if (buckets.length === 0) return [];
  const rows = await withClient(pool, (client) => copyOut(client,
    `SELECT bucket, meters, registry FROM buckets WHERE bucket = ANY(${intList([...new Set(buckets)], "buckets")})${limited ? " AND limits IS DISTINCT FROM 0" : ""}
     ORDER BY bucket`,
    ["int", "int", "bytea"]));
  return rows.map(([bucket, meters, registry]) => ({ bucket: bucket as number, meters: meters as number, registry: registry as Uint8Array }));
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

/** These ledger segments by id, in the order asked (ids that are not there are left out). */
export async function readSegmentsById(pool: pg.Pool, ids: readonly number[]): Promise<SegmentRow[]> {
  if (ids.length === 0) return [];
  const rows = await withClient(pool, (client) => copyOut(client,
    `SELECT s.bucket, s.batch_id, s.entries, s.data FROM unnest(${intList(ids, "segment ids", "bigint")}) WITH ORDINALITY AS w (id, n)
     JOIN segments s ON s.id = w.id ORDER BY w.n`,
    ["int", "text", "int", "bytea"]));
  return rows.map(([bucket, batchId, entries, data]) =>
    ({ bucket: bucket as number, batchId: batchId as string, entries: entries as number, data: data as Uint8Array }));
}
