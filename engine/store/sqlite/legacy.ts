// Converts a database of the previous one-file layout (engine/store/sqlite.ts, user_version
// 1..5) into the partitioned layout, in the caller's transaction: registry rows regrouped into
// buckets, state chunks (CHUNK_METERS meters by meter key) into bucket state BLOBs, history
// segments (meter = the old meter key) into segments per batch and bucket (meter = the slot in
// the bucket); held readings, batches, runs, meta, the temp_bad audit and threshold episodes
// kept. An operator's temp_bad (the state's tempBad column) also becomes a flag row.
import type Database from "better-sqlite3";
import type { MeterRecord } from "../../meters/meter.js";
import { encodeRegistry } from "../bucket-registry.js";
import { encodeState } from "../bucket-state.js";
import { bucketOf } from "../contract.js";
import { appendEntry, createEntries, decodeSegment, encodeSegment } from "../history.js";
import type { HistoryEntries } from "../history.js";
import { CHUNK_METERS, MIGRATIONS as LEGACY } from "./legacy-schema.js";
import { createState, decodeChunk, STATE_FIELDS } from "../state.js";
import { FLAG } from "../../flags/flags.js";
import { NO_DAY } from "../../ingest/batch.js";
import type { MeterState } from "../state.js";
import { MIGRATIONS } from "./schema.js";

const INITIAL = FLAG.initial;
const TABLES = ["meters", "meter_state", "history", "held", "batches", "runs", "meta", "temp_bad_audit", "sensor_state"];

type Field = (typeof STATE_FIELDS)[number][0];

export function convertLegacy(db: Database.Database, partitions: number): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  for (let v = version; v < LEGACY.length; v++) db.exec(LEGACY[v]);
  for (const index of ["history_chunk", "history_batch", "held_batch", "held_meter"]) db.exec(`DROP INDEX IF EXISTS ${index}`);
  for (const table of TABLES) db.exec(`ALTER TABLE ${table} RENAME TO legacy_${table}`);
  db.exec(MIGRATIONS[0]);

  db.exec(`
    INSERT INTO meta (key, value) SELECT key, value FROM legacy_meta WHERE key <> 'partitions';
    INSERT OR REPLACE INTO meta (key, value) SELECT 'meters_registered', CAST(count(*) AS TEXT) FROM legacy_meters;
    INSERT INTO runs (run_id, started_at, finished_at, status, inputs, summary)
      SELECT run_id, started_at, finished_at, status, inputs, summary FROM legacy_runs;
    INSERT INTO batches (batch_id, run_id, seq, input, rows, billable, held, rejected, duplicates, sensor, rules_version, committed_at)
      SELECT batch_id, run_id, seq, input, rows, billable, held, rejected, duplicates, sensor, rules_version, committed_at
      FROM legacy_batches;
    INSERT INTO held (reading_id, batch_id, meter_id, end_day, value, override, source, verification, reasons, line,
        rules_version, resolved_at)
      SELECT reading_id, batch_id, meter_id, end_day, CASE WHEN json_valid(line) THEN json_extract(line, '$.current') END,
        NULL, 0, 0, reasons, line, rules_version, resolved_at FROM legacy_held ORDER BY rowid;
    INSERT INTO audit (id, meter_id, action, reason, actor, at)
      SELECT id, meter_id, action, reason, actor, at FROM legacy_temp_bad_audit;
    INSERT INTO episodes (key, data) SELECT key, data FROM legacy_sensor_state;
  `);

  const { keyBucket, keySlot, state, covered } = convertMeters(db, partitions);
  convertHistory(db, keyBucket, keySlot);
  flagsFromState(db, state, covered, partitions);
  for (const table of TABLES) db.exec(`DROP TABLE legacy_${table}`);
}

type LegacyMeter = [number, string, string, string, number, number | null, number | null, string, string | null,
  number | null, number | null, string | null, string | null, number | null, number | null,
  number | null, string | null, number | null, number | null, number | null, number | null];

/** Registry rows and buckets (registry and state BLOBs); returns where each old key went. */
function convertMeters(db: Database.Database, partitions: number) {
  const rows = db.prepare(
    `SELECT meter_key, meter_id, type, unit, scaling_factor, reset_value, digits, rollover_mode, parent_id, unit_price,
       basic_fee_per_day, cost_center, gl_account, last_reading, last_end, pulse_weight, pulse_input, pulse_width_ms, qmax,
       no_pulse_days, debounce_ms FROM legacy_meters ORDER BY meter_key`).raw().all() as LegacyMeter[];
  const size = rows.length === 0 ? 0 : rows[rows.length - 1][0] + 1;
  // The state the old store loaded: registry baselines, then the committed chunks over them.
  const state = createState(size);
  const covered = new Uint8Array(size);
  for (const r of rows) {
    if (r[13] !== null && r[14] !== null) {
      state.lastValue[r[0]] = r[13];
      state.lastEnd[r[0]] = r[14];
    }
  }
  for (const [chunk, count, data] of db.prepare("SELECT chunk, meters, data FROM legacy_meter_state").raw().iterate() as
    Iterable<[number, number, Uint8Array]>) {
    const from = chunk * CHUNK_METERS;
    const n = Math.max(0, Math.min(count, size - from));
    decodeChunk(state, from, n, data);
    covered.fill(1, from, from + n);
  }
  repairChainTails(db, state, covered);
  // Held readings per meter (the previous layout did not count them): their re-sends are duplicates.
  const heldCounts = db.prepare(
    "SELECT m.meter_key, count(*) FROM legacy_held h JOIN legacy_meters m ON m.meter_id = h.meter_id GROUP BY m.meter_key").raw().all() as Array<[number, number]>;
  for (const [key, count] of heldCounts) {
    if (key >= state.size) continue;
    state.heldCount[key] = count;
    covered[key] = 1;
  }
  const keyBucket = new Int32Array(size).fill(-1);
  const keySlot = new Int32Array(size).fill(-1);
  const byBucket = new Map<number, Array<{ key: number; record: MeterRecord }>>();
  const insert = db.prepare(
    `INSERT INTO meters (meter_id, partition, bucket, type, unit, scaling_factor, reset_value, digits, rollover_mode, parent_id,
       unit_price, basic_fee_per_day, cost_center, gl_account, last_reading, last_end, pulse_weight, pulse_input,
       pulse_width_ms, qmax, no_pulse_days, debounce_ms) VALUES (${Array(22).fill("?").join(", ")})`);
  for (const [key, meterId, ...rest] of rows) {
    const bucket = bucketOf(meterId, partitions);
    insert.run(meterId, bucket % partitions, bucket, ...rest);
    const [type, unit, scalingFactor, resetValue, digits, rolloverMode, parentId, unitPrice, basicFeePerDay, costCenter,
      glAccount, lastReading, lastEnd, pulseWeight, pulseInput, pulseWidthMs, qmax, noPulseDays, debounceMs] = rest;
    const record = { meterId, type, unit, scalingFactor, resetValue, digits, rolloverMode, parentId, unitPrice, basicFeePerDay,
      costCenter, glAccount, lastReading, lastEnd, pulseWeight, pulseInput, pulseWidthMs, qmax, noPulseDays, debounceMs } as MeterRecord;
    let members = byBucket.get(bucket);
    if (members === undefined) byBucket.set(bucket, (members = []));
    keyBucket[key] = bucket;
    keySlot[key] = members.length;
    members.push({ key, record });
  }
  const put = db.prepare("INSERT INTO buckets (bucket, partition, meters, registry, state) VALUES (?, ?, ?, ?, ?)");
  for (const [bucket, members] of byBucket) {
    let blob: Uint8Array | null = null;
    if (members.some((m) => covered[m.key] === 1)) {
      const slots = createState(members.length);
      members.forEach((m, slot) => copyMeter(state, m.key, slots, slot));
      blob = encodeState(slots);
    }
    put.run(bucket, bucket % partitions, members.length, encodeRegistry(members.map((m) => m.record)), blob);
  }
  return { keyBucket, keySlot, state, covered };
}

function copyMeter(from: MeterState, key: number, to: MeterState, slot: number): void {
  for (const [name] of STATE_FIELDS) (to[name as Field] as Float64Array)[slot] = (from[name as Field] as Float64Array)[key];
}

/** History segments, regrouped per batch and new bucket in commit order. */
function convertHistory(db: Database.Database, keyBucket: Int32Array, keySlot: Int32Array): void {
  const insert = db.prepare("INSERT INTO segments (bucket, batch_id, entries, data) VALUES (?, ?, ?, ?)");
  let batch: string | undefined;
  let entries = createEntries();
  const flush = () => {
    if (batch === undefined) return;
    const byBucket = new Map<number, number[]>();
    for (let i = 0; i < entries.length; i++) {
      const key = entries.meter[i];
      const bucket = key < keyBucket.length ? keyBucket[key] : -1;
      if (bucket < 0) throw new Error(`history of batch ${batch} names meter key ${key}, which is not in the registry`);
      let rows = byBucket.get(bucket);
      if (rows === undefined) byBucket.set(bucket, (rows = []));
      rows.push(i);
    }
    for (const [bucket, rows] of byBucket) {
      const slotted = withSlots(entries, rows, keySlot);
      insert.run(bucket, batch, rows.length, encodeSegment(slotted, Array.from(rows.keys())));
    }
    entries = createEntries();
  };
  // Read in pages: the connection cannot write while a statement iterates.
  const page = db.prepare("SELECT segment, batch_id, entries, data FROM legacy_history WHERE segment > ? ORDER BY segment LIMIT 512").raw();
  for (let last = -1; ;) {
    const rows = page.all(last) as Array<[number, string, number, Uint8Array]>;
    if (rows.length === 0) break;
    for (const [segment, batchId, n, data] of rows) {
      if (batchId !== batch) {
        flush();
        batch = batchId;
      }
      decodeSegment(entries, data, n);
      last = segment;
    }
  }
  flush();
}

/** The entries `rows` of `e`, their meter (old key) replaced by the slot in the new bucket. */
function withSlots(e: HistoryEntries, rows: number[], keySlot: Int32Array): HistoryEntries {
  const out = createEntries(Math.max(rows.length, 1));
  for (const i of rows) {
    appendEntry(out, keySlot[e.meter[i]], e.end[i], e.value[i], e.prev[i], e.start[i], e.consumption[i], e.billed[i],
      e.flags[i], e.held[i], e.override[i], e.debounced[i]);
  }
  return out;
}

/** A flag row for every meter the old state marks temp_bad, with its latest audited set. */
function flagsFromState(db: Database.Database, state: MeterState, covered: Uint8Array, partitions: number): void {
  const idOf = db.prepare("SELECT meter_id FROM legacy_meters WHERE meter_key = ?").pluck();
  const lastSet = db.prepare("SELECT reason, actor, at FROM audit WHERE meter_id = ? AND action = 'set' ORDER BY id DESC LIMIT 1").raw();
  const put = db.prepare("INSERT OR REPLACE INTO flags (meter_id, partition, reason, note, actor, at) VALUES (?, ?, ?, '', ?, ?)");
  for (let key = 0; key < state.size; key++) {
    if (covered[key] === 0 || state.tempBad[key] !== 1) continue;
    const meterId = idOf.get(key) as string | undefined;
    if (meterId === undefined) continue;
    const [reason, actor, at] = (lastSet.get(meterId) as [string, string, string] | undefined)
      ?? ["temp_bad", "migration", new Date().toISOString()];
    put.run(meterId, bucketOf(meterId, partitions) % partitions, reason, actor, at);
  }
}

/**
 * The previous layout moved a meter's latest reading to every reading it decided, held ones
 * included (a held typo became the base of the next bill). The chain rule keeps the latest
 * trusted one: the latest version of each day, billable or a baseline held `initial`. A meter
 * whose history has one gets it back as its latest reading; one whose history has none keeps
 * its registry baseline, or none.
 */
function repairChainTails(db: Database.Database, state: MeterState, covered: Uint8Array): void {
  const latest = new Map<number, Map<number, { value: number; trusted: boolean }>>();
  const entries = createEntries();
  const page = db.prepare("SELECT segment, entries, data FROM legacy_history WHERE segment > ? ORDER BY segment LIMIT 512").raw();
  for (let last = -1; ;) {
    const rows = page.all(last) as Array<[number, number, Uint8Array]>;
    if (rows.length === 0) break;
    for (const [segment, n, data] of rows) {
      entries.length = 0;
      decodeSegment(entries, data, n);
      for (let i = 0; i < entries.length; i++) {
        let days = latest.get(entries.meter[i]);
        if (days === undefined) latest.set(entries.meter[i], (days = new Map()));
        days.set(entries.end[i], { value: entries.value[i], trusted: entries.held[i] === 0 || (entries.flags[i] & INITIAL) !== 0 });
      }
      last = segment;
    }
  }
  const baseline = db.prepare("SELECT last_reading, last_end FROM legacy_meters WHERE meter_key = ?").raw();
  for (const [key, days] of latest) {
    if (key >= state.size || covered[key] !== 1) continue;
    let end = NO_DAY;
    let value = Number.NaN;
    for (const [day, v] of days) {
      if (v.trusted && day > end) {
        end = day;
        value = v.value;
      }
    }
    if (end === NO_DAY) {
      const [lastReading, lastEnd] = (baseline.get(key) as [number | null, number | null] | undefined) ?? [null, null];
      if (lastReading !== null && lastEnd !== null) {
        end = lastEnd;
        value = lastReading;
      }
    }
    state.lastEnd[key] = end;
    state.lastValue[key] = value;
  }
}
