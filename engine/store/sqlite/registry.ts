// The queryable registry in SQLite: a row per meter (every MeterRecord field, with its partition
// and bucket) and the buckets' registry BLOBs, written in one transaction.
//
// Import speed: the per-statement cost dominates, not the B-tree, so rows go in ROWS_PER_UPSERT
// at a time through one prepared multi-row upsert (about 1.3x a row per statement here);
// `meters` is WITHOUT ROWID, so the meter id is the only key to maintain.
import type Database from "better-sqlite3";
import { bucketOf } from "../contract.js";
import type { RegistryRow } from "../contract.js";

/** Column and MeterRecord field, in table order after meter_id, partition and bucket. */
const FIELDS: ReadonlyArray<readonly [string, keyof RegistryRow]> = [
  ["type", "type"],
  ["unit", "unit"],
  ["scaling_factor", "scalingFactor"],
  ["reset_value", "resetValue"],
  ["digits", "digits"],
  ["rollover_mode", "rolloverMode"],
  ["parent_id", "parentId"],
  ["unit_price", "unitPrice"],
  ["basic_fee_per_day", "basicFeePerDay"],
  ["cost_center", "costCenter"],
  ["gl_account", "glAccount"],
  ["last_reading", "lastReading"],
  ["last_end", "lastEnd"],
  ["pulse_weight", "pulseWeight"],
  ["pulse_input", "pulseInput"],
  ["pulse_width_ms", "pulseWidthMs"],
  ["qmax", "qmax"],
  ["no_pulse_days", "noPulseDays"],
  ["debounce_ms", "debounceMs"],
];

/** Rows per run of the multi-row upsert (22 values each: 1,408 parameters of SQLite's 32,766). */
const ROWS_PER_UPSERT = 64;
const VALUES = 3 + FIELDS.length;

/** The registry statements of one connection. */
export interface RegistryStatements {
  upsert: Database.Statement;
  upsertMany: Database.Statement;
  putBucket: Database.Statement;
  read: Database.Statement;
}

export function prepareRegistry(db: Database.Database): RegistryStatements {
  const columns = FIELDS.map(([c]) => c);
  const upsert = (rows: number) =>
    `INSERT INTO meters (meter_id, partition, bucket, ${columns.join(", ")})
     VALUES ${Array(rows).fill(`(${Array(VALUES).fill("?").join(", ")})`).join(", ")}
     ON CONFLICT (meter_id) DO UPDATE SET partition = excluded.partition, bucket = excluded.bucket,
       ${columns.map((c) => `${c} = excluded.${c}`).join(", ")}`;
  return {
    upsert: db.prepare(upsert(1)),
    upsertMany: db.prepare(upsert(ROWS_PER_UPSERT)),
    putBucket: db.prepare(
      `INSERT INTO buckets (bucket, partition, meters, registry) VALUES (?, ?, ?, ?)
       ON CONFLICT (bucket) DO UPDATE SET meters = excluded.meters, registry = excluded.registry`),
    read: db.prepare(
      `SELECT m.meter_id, ${columns.map((c) => `m.${c}`).join(", ")}
       FROM json_each(?) j JOIN meters m ON m.meter_id = j.value ORDER BY j.key`).raw(),
  };
}

/** Upserts registry rows and replaces bucket BLOBs; the caller holds the transaction. */
export function writeRegistryRows(s: RegistryStatements, rows: readonly RegistryRow[],
  buckets: ReadonlyArray<{ bucket: number; meters: number; registry: Uint8Array }>, partitions: number): void {
  const args = new Array<unknown>(VALUES * ROWS_PER_UPSERT);
  let i = 0;
  for (; i + ROWS_PER_UPSERT <= rows.length; i += ROWS_PER_UPSERT) {
    for (let k = 0; k < ROWS_PER_UPSERT; k++) put(args, k * VALUES, rows[i + k], partitions);
    s.upsertMany.run(args);
  }
  const one = new Array<unknown>(VALUES);
  for (; i < rows.length; i++) {
    put(one, 0, rows[i], partitions);
    s.upsert.run(one);
  }
  for (const b of buckets) s.putBucket.run(b.bucket, b.bucket % partitions, b.meters, b.registry);
}

/** Writes one row's values at `at`, in statement order. */
function put(args: unknown[], at: number, m: RegistryRow, partitions: number): void {
  const bucket = bucketOf(m.meterId, partitions);
  args[at] = m.meterId; args[at + 1] = bucket % partitions; args[at + 2] = bucket;
  args[at + 3] = m.type; args[at + 4] = m.unit; args[at + 5] = m.scalingFactor; args[at + 6] = m.resetValue;
  args[at + 7] = m.digits; args[at + 8] = m.rolloverMode; args[at + 9] = m.parentId; args[at + 10] = m.unitPrice;
  args[at + 11] = m.basicFeePerDay; args[at + 12] = m.costCenter; args[at + 13] = m.glAccount; args[at + 14] = m.lastReading;
  args[at + 15] = m.lastEnd; args[at + 16] = m.pulseWeight; args[at + 17] = m.pulseInput; args[at + 18] = m.pulseWidthMs;
  args[at + 19] = m.qmax; args[at + 20] = m.noPulseDays; args[at + 21] = m.debounceMs;
}

/** The registry rows of these meters, in the order asked (missing ids left out). */
export function readRegistryRows(s: RegistryStatements, meterIds: readonly string[]): RegistryRow[] {
  if (meterIds.length === 0) return [];
  const out: RegistryRow[] = [];
  for (const r of s.read.iterate(JSON.stringify(meterIds)) as Iterable<unknown[]>) {
    const row: Record<string, unknown> = { meterId: r[0] };
    for (let k = 0; k < FIELDS.length; k++) row[FIELDS[k][1]] = r[k + 1];
    out.push(row as unknown as RegistryRow);
  }
  return out;
}
