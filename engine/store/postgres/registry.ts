// The registry in PostgreSQL: a row per meter (every MeterRecord field, with its partition and
// bucket) and the buckets' registry BLOBs, written in one transaction.
//
// Import speed (1M meters of 22 columns, measured here): unnest arrays 13 s, COPY in text format
// 2.5 s (0.9 s of it escaping in JS), binary COPY about 2 s; rows go in by binary COPY straight
// from the import's columns (registry-copy.ts): into `meters` when it is empty (the first
// import), else into a temporary table merged by one MERGE (changed rows updated, new ids
// inserted, the rest untouched).
import type pg from "pg";
import { RegistryTable } from "../../meters/registry-table.js";
import { REGISTRY_GENERATION } from "../contract.js";
import type { RegistryBlobs, RegistryBlobSource, RegistryRow, RegistryRows, RegistryRowStream } from "../contract.js";
import { putRegistryBlobs } from "./blobs.js";
import { copyOut } from "./copy.js";
import { copyRegistry } from "./registry-copy.js";
import type { RegistryKind } from "./registry-copy.js";

/** Column, MeterRecord field and kind, in table order after meter_id, partition and bucket. */
/** The registry's fields: column, RegistryRow field, COPY kind. */
export const REGISTRY_FIELDS: ReadonlyArray<readonly [string, keyof RegistryRow & keyof RegistryTable, RegistryKind]> = [
  ["type", "type", "text"],
  ["unit", "unit", "text"],
  ["scaling_factor", "scalingFactor", "float"],
  ["reset_value", "resetValue", "float"],
  ["digits", "digits", "int"],
  ["rollover_mode", "rolloverMode", "text"],
  ["parent_id", "parentId", "text"],
  ["unit_price", "unitPrice", "float"],
  ["basic_fee_per_day", "basicFeePerDay", "float"],
  ["cost_center", "costCenter", "text"],
  ["gl_account", "glAccount", "text"],
  ["last_reading", "lastReading", "float"],
  ["last_end", "lastEnd", "int"],
  ["pulse_weight", "pulseWeight", "float"],
  ["pulse_input", "pulseInput", "text"],
  ["pulse_width_ms", "pulseWidthMs", "float"],
  ["qmax", "qmax", "float"],
  ["no_pulse_days", "noPulseDays", "float"],
  ["debounce_ms", "debounceMs", "float"],
];

const COLUMNS = ["meter_id", "partition", "bucket", ...REGISTRY_FIELDS.map(([column]) => column)];
const KINDS: readonly RegistryKind[] = REGISTRY_FIELDS.map(([, , kind]) => kind);

/** Fields with one value for every row of a table: encoded once per COPY of it. */
const constantFields = (t: RegistryTable) => REGISTRY_FIELDS.map(([, field]) => t[field].data === null);

/**
 * Upserts registry rows and replaces the given buckets' registry BLOBs; the caller holds the
 * transaction open on `client`. A BLOB source starts at once: its reads of the stored BLOBs (on
 * another pooled connection once the import holds the lock on `meters`, so it sees what was
 * committed before the import: registry BLOBs are written by imports alone) go on while the rows
 * are copied; with a pool of one connection they wait for the copy and use `client`.
 */
export async function writeRegistry(client: pg.PoolClient, pool: pg.Pool, rows: RegistryRows | RegistryRowStream,
  buckets: RegistryBlobs | RegistryBlobSource, partitions: number): Promise<void> {
  const gate = () => {
    let open!: () => void;
    let fail!: (error: Error) => void;
    const passed = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
    passed.catch(() => undefined);
    return { passed, open, fail };
  };
  const locked = gate();
  const copied = gate();
  const poolSize = (pool as unknown as { options?: { max?: number } }).options?.max ?? 1;
  const stored = async (wanted: readonly number[]) => {
    if (poolSize < 2) {
      await copied.passed;
      return readStoredRegistries(client, wanted);
    }
    await locked.passed;
    const other = await pool.connect();
    let broken: Error | undefined;
    try {
      return await readStoredRegistries(other, wanted);
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      other.release(broken);
    }
  };
  const blobs = typeof buckets === "function" ? buckets(stored) : Promise.resolve(buckets);
  blobs.catch(() => undefined);
  try {
    await upsertRegistry(client, rows, partitions, locked.open);
  } catch (error) {
    locked.fail(error as Error);
    copied.fail(error as Error);
    throw error;
  }
  locked.open();
  copied.open();
  await putRegistryBlobs(client, await blobs, partitions);
  // In the same transaction: what a worker's cached slices are checked against (contract.ts).
  await client.query(`INSERT INTO meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text`,
    [REGISTRY_GENERATION]);
}

/**
 * Upserts registry rows (records, a table, or tables as they are read: each copied to the server
 * as it arrives, which ingests it while the file is still being read); the caller holds the
 * transaction open on `client`. `onLocked`: told once the import holds the lock on `meters`.
 */
export async function upsertRegistry(client: pg.PoolClient, rows: RegistryRows | RegistryRowStream, partitions: number,
  onLocked?: () => void): Promise<void> {
  const tables: Iterable<RegistryTable> | RegistryRowStream = rows instanceof RegistryTable ? [rows]
    : Array.isArray(rows) ? [RegistryTable.fromRecords(rows as readonly RegistryRow[])] : (rows as RegistryRowStream);
  if (Array.isArray(tables) && tables[0].length === 0) return;
  // One import at a time (readers go on), so the emptiness check and the merge see one table.
  await client.query("LOCK TABLE meters IN SHARE ROW EXCLUSIVE MODE");
  onLocked?.();
  const empty = await client.query("SELECT 1 FROM meters LIMIT 1");
  if (empty.rowCount === 0) {
    // The first import builds the key index once, sorted, instead of growing it a row at a time
    // (1M meters, measured: 2.9-3.0 s against 3.9-4.3 s); readers wait for it.
    await client.query("ALTER TABLE meters DROP CONSTRAINT meters_pkey");
    await copyRegistry(client, "meters", COLUMNS, tables, KINDS, constantFields, partitions);
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    await client.query("ALTER TABLE meters ADD CONSTRAINT meters_pkey PRIMARY KEY (meter_id)");
    return;
  }
  await client.query("CREATE TEMPORARY TABLE mf_import (LIKE meters) ON COMMIT DROP");
  await copyRegistry(client, "mf_import", COLUMNS, tables, KINDS, constantFields, partitions);
  await client.query("ANALYZE mf_import");
  // The merge is one hash join over the whole import: in the default 4 MB it spills to disk
  // (measured: 1M meters 4.3-6.2 s, with 256 MB 2.9-4.2 s on a loaded machine).
  await client.query("SET LOCAL work_mem = '256MB'");
  const assign = COLUMNS.slice(1).map((c) => `${c} = i.${c}`).join(", ");
  await client.query(
    `MERGE INTO meters m USING mf_import i ON m.meter_id = i.meter_id
     WHEN MATCHED AND (m.*) IS DISTINCT FROM (i.*) THEN UPDATE SET ${assign}
     WHEN NOT MATCHED THEN INSERT (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((c) => `i.${c}`).join(", ")})`);
}

/** The registry BLOBs stored for these buckets (absent: none), read by `client` (inside its transaction). */
export async function readStoredRegistries(client: pg.PoolClient, buckets: readonly number[]): Promise<Array<{ bucket: number; registry: Uint8Array }>> {
  const wanted = [...new Set(buckets)].filter((b) => Number.isSafeInteger(b));
  if (wanted.length === 0) return [];
  const rows = await copyOut(client, `SELECT bucket, registry FROM buckets WHERE bucket = ANY('{${wanted.join(",")}}'::integer[])`, ["int", "bytea"]);
  return rows.map(([bucket, registry]) => ({ bucket: bucket as number, registry: registry as Uint8Array }));
}

/** The registry rows of these meters, in the order asked (missing ids left out). */
export async function readRegistry(pool: pg.Pool, meterIds: readonly string[]): Promise<RegistryRow[]> {
  if (meterIds.length === 0) return [];
  const result = await pool.query<Record<string, unknown>>(
    `SELECT ${["meter_id", ...REGISTRY_FIELDS.map(([column]) => column)].join(", ")} FROM meters WHERE meter_id = ANY($1::text[])`,
    [meterIds]);
  const byId = new Map<string, RegistryRow>();
  for (const r of result.rows) {
    const row: Record<string, unknown> = { meterId: r.meter_id };
    for (const [column, field] of REGISTRY_FIELDS) row[field] = r[column];
    byId.set(r.meter_id as string, row as unknown as RegistryRow);
  }
  const out: RegistryRow[] = [];
  for (const id of meterIds) {
    const row = byId.get(id);
    if (row !== undefined) out.push(row);
  }
  return out;
}
