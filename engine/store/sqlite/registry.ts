// The queryable registry in SQLite: a row per meter (every MeterRecord field, with its partition
// and bucket) and the buckets' registry BLOBs, written in one transaction.
//
// Import speed: binding a value costs more than SQLite's B-tree insert (1M meters, measured
// here: 22 values a row 2.0 s, 7 a row 1.05 s, the id alone 0.45 s), so rows are written from
// the import's columns (RegistryTable): a column with one value for every row (a fleet's type,
// unit, factor, the optional fields nobody fills) is bound once per statement, the others per
// row, ROWS_PER_UPSERT rows at a time through one prepared multi-row upsert; the partition is
// computed from the bucket by SQL. `meters` is WITHOUT ROWID, so the id is the only key.
//
// Order: inserting ids in ascending order appends to the key's B-tree; in random order every row
// lands on another 64 KB page (1M shuffled meters, measured: 18 s, 7.7 s with a 256 MB cache).
// So rows are upserted straight into `meters` while their ids ascend (registries are mostly
// sorted by id), and from the first one out of order on into a temporary table, upserted into
// `meters` at the end by one statement in id order (SQLite sorts them: 2.1 s for the same 1M).
import type Database from "better-sqlite3";
import { ROLLOVER_MODE } from "../../consumption/registers.js";
import { compareBytes } from "../../meters/id-set.js";
import { RegistryTable } from "../../meters/registry-table.js";
import { pulseInputName } from "../../pulses/profiles.js";
import { registryLimits } from "../bucket-registry-blob.js";
import { BUCKETS_PER_PARTITION, REGISTRY_GENERATION } from "../contract.js";
import type { RegistryBlobs, RegistryBlobSource, RegistryRow, RegistryRows, RegistryRowStream } from "../contract.js";

/** Column and MeterRecord field, in table order after meter_id, partition and bucket. */
const FIELDS: ReadonlyArray<readonly [string, keyof RegistryRow & keyof RegistryTable]> = [
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

/** Rows per run of the multi-row upsert (at most 23 values each: 5,888 of the 32,766 SQLite allows). */
const ROWS_PER_UPSERT = 256;

/** The registry statements of one connection. */
export interface RegistryStatements {
  db: Database.Database;
  putBucket: Database.Statement;
  readBuckets: Database.Statement;
  read: Database.Statement;
  bumpGeneration: Database.Statement;
  /** Upserts by shape (which columns are bound once) and row count. */
  upserts: Map<string, Database.Statement>;
}

export function prepareRegistry(db: Database.Database): RegistryStatements {
  const columns = FIELDS.map(([c]) => c);
  return {
    db,
    putBucket: db.prepare(
      `INSERT INTO buckets (bucket, partition, meters, registry, limits) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (bucket) DO UPDATE SET meters = excluded.meters, registry = excluded.registry, limits = excluded.limits`),
    readBuckets: db.prepare("SELECT bucket, registry FROM buckets WHERE bucket IN (SELECT value FROM json_each(?))"),
    read: db.prepare(
      `SELECT m.meter_id, ${columns.map((c) => `m.${c}`).join(", ")}
       FROM json_each(?) j JOIN meters m ON m.meter_id = j.value ORDER BY j.key`).raw(),
    bumpGeneration: db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"),
    upserts: new Map(),
  };
}

/**
 * The multi-row upsert of `rows` rows: first the run's meter ids as one BLOB of UTF-8 bytes and
 * the fields `constant[k]` says are bound once, then per row the offset (1-based) and length of
 * its id in that BLOB, its bucket and the other fields. The id is cut from the BLOB by SQL
 * (substr, cast to TEXT): no JS string per meter. With `idLength` (every id of the run that many
 * bytes, one after another, as in a registry of zero-padded ids) the offsets are the statement's
 * own and a row binds two values fewer.
 */
function upsert(s: RegistryStatements, constant: readonly boolean[], rows: number, partitions: number, idLength: number, target: Target): Database.Statement {
  const key = `${constant.map((c) => (c ? 1 : 0)).join("")}/${rows}/${partitions}/${idLength}/${target}`;
  let statement = s.upserts.get(key);
  if (statement !== undefined) return statement;
  const once = FIELDS.filter((_, k) => constant[k]);
  const each = FIELDS.filter((_, k) => !constant[k]);
  const bound = Array(1 + each.length).fill("?").join(", ");
  const values = Array.from({ length: rows }, (_, k) => (idLength > 0 ? `(${k * idLength + 1}, ${bound})` : `(?, ?, ${bound})`));
  const columns = FIELDS.map(([c]) => c);
  statement = s.db.prepare(
    `WITH c(mf_ids${once.map(([c]) => `, ${c}`).join("")}) AS (SELECT ?${", ?".repeat(once.length)}),
       v(mf_at, ${idLength > 0 ? "" : "mf_length, "}bucket${each.map(([c]) => `, ${c}`).join("")}) AS (VALUES ${values.join(", ")})
     INSERT INTO ${target === "meters" ? "meters" : UNSORTED} (meter_id, partition, bucket, ${columns.join(", ")})
     SELECT CAST(substr(c.mf_ids, v.mf_at, ${idLength > 0 ? idLength : "v.mf_length"}) AS TEXT), v.bucket % ${partitions}, v.bucket,
       ${FIELDS.map(([c], k) => `${constant[k] ? "c" : "v"}.${c}`).join(", ")}
     FROM v, c WHERE true${target === "meters" ? `
     ON CONFLICT (meter_id) DO UPDATE SET ${UPDATE_ALL}` : ""}`);
  // Shapes are few per connection (one per import layout); a runaway of them is not kept.
  if (s.upserts.size < 64) s.upserts.set(key, statement);
  return statement;
}

/** Where rows go: `meters`, or the temporary table of rows that came out of id order. */
type Target = "meters" | "unsorted";
const UNSORTED = "temp.mf_registry_unsorted";
const UPDATE_ALL = ["partition", "bucket", ...FIELDS.map(([c]) => c)].map((c) => `${c} = excluded.${c}`).join(", ");

/** The SQL value of field `k` (FIELDS order) of table row `r`. */
function value(t: RegistryTable, k: number, r: number): string | number | null {
  switch (k) {
    case 0: return t.type.get(r) ?? "";
    case 1: return t.unit.get(r) ?? "";
    case 2: return t.scalingFactor.get(r);
    case 3: return orNull(t.resetValue.get(r));
    case 4: return orNull(t.digits.get(r));
    case 5: return t.rolloverMode.get(r) === ROLLOVER_MODE.modulus ? "modulus" : "documented";
    case 6: return t.parentId.get(r);
    case 7: return orNull(t.unitPrice.get(r));
    case 8: return orNull(t.basicFeePerDay.get(r));
    case 9: return t.costCenter.get(r);
    case 10: return t.glAccount.get(r);
    case 11: return orNull(t.lastReading.get(r));
    case 12: return orNull(t.lastEnd.get(r));
    case 13: return orNull(t.pulseWeight.get(r));
    case 14: {
      const input = t.pulseInput.get(r);
      return input === input ? pulseInputName(input) : null;
    }
    case 15: return orNull(t.pulseWidthMs.get(r));
    case 16: return orNull(t.qmax.get(r));
    case 17: return orNull(t.noPulseDays.get(r));
    default: return orNull(t.debounceMs.get(r));
  }
}

const orNull = (v: number) => (v === v ? v : null);

/** Whether field `k` (FIELDS order) has one value for every row of `t`. */
function isConstant(t: RegistryTable, k: number): boolean {
  const [, field] = FIELDS[k];
  return t[field].data === null;
}

/** Upserts registry rows (records or a table's) and replaces bucket BLOBs; the caller holds the transaction. */
export function writeRegistryRows(s: RegistryStatements, rows: RegistryRows, buckets: RegistryBlobs, partitions: number): void {
  const sink = new RowSink(s, partitions);
  sink.write(rows instanceof RegistryTable ? rows : RegistryTable.fromRecords(rows));
  sink.finish();
  putBuckets(s, buckets, partitions);
}

/**
 * The same in one transaction of its own, for rows that arrive as they are read and BLOBs that
 * come after them: each table of rows is written as it arrives (the thread reading the file goes
 * on meanwhile); a BLOB source starts at once (its reads of the stored BLOBs run between two
 * tables of rows, inside the transaction), its BLOBs are written after the rows, then the commit.
 * Any failure, of the rows' source too, rolls it all back.
 */
export async function streamRegistryRows(s: RegistryStatements, rows: RegistryRows | RegistryRowStream,
  buckets: RegistryBlobs | RegistryBlobSource, partitions: number): Promise<void> {
  const db = s.db;
  db.exec("BEGIN IMMEDIATE");
  try {
    const blobs = typeof buckets === "function" ? buckets(async (wanted) => readStored(s, wanted)) : Promise.resolve(buckets);
    blobs.catch(() => undefined);
    const sink = new RowSink(s, partitions);
    if (rows instanceof RegistryTable || Array.isArray(rows)) sink.write(rows instanceof RegistryTable ? rows : RegistryTable.fromRecords(rows as readonly RegistryRow[]));
    else {
      for await (const table of rows as RegistryRowStream) {
        sink.write(table);
        // A turn of the event loop between tables: a source with tables queued would otherwise
        // keep its other messages (the file read, the stored BLOBs asked for) waiting until the
        // last row is written, and the BLOBs would be built only then.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    sink.finish();
    putBuckets(s, await blobs, partitions);
    db.exec("COMMIT");
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

function readStored(s: RegistryStatements, buckets: readonly number[]): Array<{ bucket: number; registry: Uint8Array }> {
  if (buckets.length === 0) return [];
  return s.readBuckets.all(JSON.stringify(buckets)) as Array<{ bucket: number; registry: Uint8Array }>;
}

function putBuckets(s: RegistryStatements, buckets: RegistryBlobs, partitions: number): void {
  for (const b of buckets) s.putBucket.run(b.bucket, b.bucket % partitions, b.meters, b.registry, registryLimits(b.registry));
  // In the same transaction: what a worker's cached slices are checked against (contract.ts).
  s.bumpGeneration.run(REGISTRY_GENERATION);
}

/**
 * The rows of one registry write, table after table, ROWS_PER_UPSERT at a time: into `meters`
 * while their ids ascend, into the unsorted table from the first run that does not on, which
 * `finish` upserts into `meters` in id order (rowid last: of one id written twice, the last wins).
 */
class RowSink {
  readonly #s: RegistryStatements;
  readonly #partitions: number;
  #target: Target = "meters";
  /** The last id written to `meters`. */
  #last: Uint8Array | null = null;

  constructor(s: RegistryStatements, partitions: number) {
    this.#s = s;
    this.#partitions = partitions;
  }

  write(t: RegistryTable): void {
    const s = this.#s;
    const partitions = this.#partitions;
    const bucketCount = partitions * BUCKETS_PER_PARTITION;
    const constant = FIELDS.map((_, k) => isConstant(t, k));
    const each: number[] = [];
    // The run's id bytes first, then the fields bound once.
    const args: unknown[] = [null];
    FIELDS.forEach((_, k) => (constant[k] ? args.push(value(t, k, 0)) : each.push(k)));
    const once = args.length;
    /** Rows `[from, from + count)`: `fixed` when their ids are of one length, one after another. */
    const run = (from: number, count: number) => {
      let low = t.idStart[from];
      let high = t.idEnd[from];
      const length = high - low;
      let fixed = length > 0;
      let ascending = this.#target === "meters" && (this.#last === null || compareBytes(this.#last, 0, this.#last.length, t.arena, low, high) < 0);
      for (let r = from + 1; r < from + count; r++) {
        const start = t.idStart[r];
        const end = t.idEnd[r];
        if (start !== high || end - start !== length) fixed = false;
        if (ascending && compareBytes(t.arena, t.idStart[r - 1], t.idEnd[r - 1], t.arena, start, end) >= 0) ascending = false;
        low = Math.min(low, start);
        high = Math.max(high, end);
      }
      if (!ascending && this.#target === "meters") this.#unsorted();
      else if (ascending) this.#last = t.arena.subarray(t.idStart[from + count - 1], t.idEnd[from + count - 1]);
      args.length = once + count * (fixed ? 1 + each.length : 3 + each.length);
      args[0] = t.arena.subarray(low, high);
      for (let k = 0, o = once, r = from; k < count; k++, r++) {
        if (!fixed) {
          args[o++] = t.idStart[r] - low + 1;
          args[o++] = t.idEnd[r] - t.idStart[r];
        }
        args[o++] = t.hash[r] % bucketCount;
        for (let j = 0; j < each.length; j++) args[o++] = value(t, each[j], r);
      }
      upsert(s, constant, count, partitions, fixed ? length : 0, this.#target).run(args);
    };
    let r = 0;
    for (; r + ROWS_PER_UPSERT <= t.length; r += ROWS_PER_UPSERT) run(r, ROWS_PER_UPSERT);
    if (r < t.length) run(r, t.length - r);
  }

  /** Upserts the rows that came out of order, if any, into `meters` in id order. */
  finish(): void {
    if (this.#target !== "unsorted") return;
    const columns = ["meter_id", "partition", "bucket", ...FIELDS.map(([c]) => c)].join(", ");
    this.#s.db.exec(`INSERT INTO meters (${columns}) SELECT ${columns} FROM ${UNSORTED} WHERE true ORDER BY meter_id, rowid
      ON CONFLICT (meter_id) DO UPDATE SET ${UPDATE_ALL}; DROP TABLE ${UNSORTED}`);
  }

  #unsorted(): void {
    this.#target = "unsorted";
    this.#s.db.exec(`CREATE TEMP TABLE IF NOT EXISTS mf_registry_unsorted (meter_id TEXT, partition INTEGER, bucket INTEGER,
      ${FIELDS.map(([c]) => `${c} ${SQL_TYPE[c] ?? "REAL"}`).join(", ")}); DELETE FROM ${UNSORTED}`);
  }
}

/** SQL types of the fields that are not REAL. */
const SQL_TYPE: Record<string, string> = {
  type: "TEXT", unit: "TEXT", digits: "INTEGER", rollover_mode: "TEXT", parent_id: "TEXT", cost_center: "TEXT", gl_account: "TEXT",
  last_end: "INTEGER", pulse_input: "TEXT",
};

/** The registry rows of these meters, in the order asked (missing ids left out). */
export function readRegistryRows(s: RegistryStatements, meterIds: readonly string[]): RegistryRow[] {
  if (meterIds.length === 0) return [];
  const out: RegistryRow[] = [];
  // One object literal, in FIELDS' order: the same shape for every row (keys added one by one
  // from a list made each object a dictionary, 3.6 s of a million rows' re-import).
  for (const r of s.read.iterate(JSON.stringify(meterIds)) as Iterable<any[]>) {
    out.push({
      meterId: r[0], type: r[1], unit: r[2], scalingFactor: r[3], resetValue: r[4], digits: r[5], rolloverMode: r[6], parentId: r[7],
      unitPrice: r[8], basicFeePerDay: r[9], costCenter: r[10], glAccount: r[11], lastReading: r[12], lastEnd: r[13], pulseWeight: r[14],
      pulseInput: r[15], pulseWidthMs: r[16], qmax: r[17], noPulseDays: r[18], debounceMs: r[19],
    });
  }
  return out;
}
