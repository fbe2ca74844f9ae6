// The previous layout's SQLite store (chunks of 1024 meters by key), kept as a test fixture: it
// writes databases of that layout so the conversion (engine/store/sqlite/legacy.ts) is tested on them.
import Database from "better-sqlite3";
import { ROLLOVER_MODE } from "../../../../engine/consumption/registers.js";
import { NO_DAY } from "../../../../engine/ingest/batch.js";
import type { MeterRecord } from "../../../../engine/meters/meter.js";
import { PULSE_INPUT } from "../../../../engine/pulses/profiles.js";
import type { PulseInputName } from "../../../../engine/pulses/profiles.js";
import { StoreError } from "../../../../engine/store/errors.js";
import { createEntries, decodeSegment, encodeSegment } from "../../../../engine/store/history.js";
import type { HistoryEntries } from "../../../../engine/store/history.js";
import { CHUNK_METERS, MIGRATIONS } from "../../../../engine/store/sqlite/legacy-schema.js";
import { createState, decodeChunk } from "../../../../engine/store/state.js";
import type { MeterState } from "../../../../engine/store/state.js";
import { codeStrings, IdList } from "../../../../engine/store/meter-table.js";
import type { MeterTable } from "../../../../engine/store/meter-table.js";
import type { BatchCommit, BatchRecord, Store } from "./legacy-types.js";

type Db = Database.Database;

/** Opens (creating and migrating when needed) the SQLite store at `path`. */
export function openSqliteStore(path: string): Store {
  let db: Db;
  try {
    db = new Database(path);
    // Large pages suit the BLOB segments; set before the first table exists, ignored after.
    db.pragma("page_size = 65536");
    db.pragma("journal_mode = WAL");
    // Checkpoint the WAL every 1000 pages (64 MiB at this page size).
    db.pragma("wal_autocheckpoint = 1000");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    // The writer thread has its own connection: wait for a lock rather than fail.
    db.pragma("busy_timeout = 10000");
  } catch (error) {
    throw new StoreError("MF_ERR_STORE_OPEN", `cannot open database ${path}: ${(error as Error).message}`, error);
  }
  migrate(db, path);
  return new SqliteStore(db);
}

function migrate(db: Db, path: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new StoreError("MF_ERR_STORE_SCHEMA", `database ${path} has schema ${version}, newer than this meterflow (${MIGRATIONS.length})`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

const now = () => new Date().toISOString();

class SqliteStore implements Store {
  readonly #db: Db;
  readonly #insertSegment: Database.Statement;
  readonly #putChunk: Database.Statement;
  readonly #insertHeld: Database.Statement;
  readonly #insertBatch: Database.Statement;
  readonly #insertAudit: Database.Statement;

  constructor(db: Db) {
    this.#db = db;
    this.#insertSegment = db.prepare(
      "INSERT INTO history (chunk, batch_id, day_lo, day_hi, entries, data) VALUES (?, ?, ?, ?, ?, ?)");
    this.#putChunk = db.prepare("INSERT OR REPLACE INTO meter_state (chunk, meters, data) VALUES (?, ?, ?)");
    this.#insertHeld = db.prepare(
      "INSERT INTO held (reading_id, batch_id, meter_id, end_day, reasons, line, rules_version) VALUES (?, ?, ?, ?, ?, ?, ?)");
    this.#insertBatch = db.prepare(
      `INSERT INTO batches (batch_id, run_id, seq, input, rows, billable, held, rejected, duplicates, committed_at, rules_version, sensor)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#insertAudit = db.prepare("INSERT INTO temp_bad_audit (meter_id, action, reason, actor, at) VALUES (?, ?, ?, ?, ?)");
  }

  upsertMeters(meters: readonly MeterRecord[]): { inserted: number; updated: number } {
    const db = this.#db;
    const known = new Set(db.prepare("SELECT meter_id FROM meters").pluck().all() as string[]);
    const fields = ["type", "unit", "scaling_factor", "reset_value", "digits", "rollover_mode", "parent_id",
      "unit_price", "basic_fee_per_day", "cost_center", "gl_account", "last_reading", "last_end",
      "pulse_weight", "pulse_input", "pulse_width_ms", "qmax", "no_pulse_days", "debounce_ms"];
    const upsert = db.prepare(
      `INSERT INTO meters (meter_key, meter_id, ${fields.join(", ")})
       VALUES (?, ?, ${fields.map(() => "?").join(", ")})
       ON CONFLICT (meter_id) DO UPDATE SET ${fields.map((f) => `${f} = excluded.${f}`).join(", ")}`);
    let inserted = 0;
    let updated = 0;
    db.transaction(() => {
      let key = db.prepare("SELECT coalesce(max(meter_key) + 1, 0) FROM meters").pluck().get() as number;
      for (const m of meters) {
        const isNew = !known.has(m.meterId);
        // A known meter keeps its key: the NULL key of its row is never inserted, only updated.
        upsert.run(isNew ? key++ : null, m.meterId, m.type, m.unit, m.scalingFactor, m.resetValue, m.digits,
          m.rolloverMode, m.parentId, m.unitPrice, m.basicFeePerDay, m.costCenter, m.glAccount, m.lastReading, m.lastEnd,
          m.pulseWeight, m.pulseInput, m.pulseWidthMs, m.qmax, m.noPulseDays, m.debounceMs);
        if (isNew) {
          known.add(m.meterId);
          inserted++;
        } else {
          updated++;
        }
      }
    })();
    return { inserted, updated };
  }

  meta(key: string): string | undefined {
    return this.#db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.#db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  meters(): MeterTable {
    const rows = this.#db.prepare(
      `SELECT meter_key, meter_id, scaling_factor, reset_value, digits, rollover_mode, type, unit,
              pulse_weight, pulse_input, pulse_width_ms, qmax, no_pulse_days, debounce_ms, last_reading, last_end
       FROM meters ORDER BY meter_key`,
    ).raw().all() as Array<[number, string, number, number | null, number | null, string, string, string,
      number | null, string | null, number | null, number | null, number | null, number | null, number | null, number | null]>;
    const size = rows.length;
    const table = {
      size, ids: new Array<string>(size), keyOf: new Map<string, number>(), scale: new Float64Array(size),
      reset: new Float64Array(size), digits: new Uint8Array(size), mode: new Uint8Array(size),
      pulseWeight: new Float64Array(size), pulseInput: new Uint8Array(size), pulseWidthMs: new Float64Array(size),
      qmax: new Float64Array(size), noPulseDays: new Float64Array(size), debounceMs: new Float64Array(size),
      baseValue: new Float64Array(size).fill(Number.NaN), baseEnd: new Int32Array(size).fill(NO_DAY),
    };
    const nan = (v: number | null) => v ?? Number.NaN;
    const types = new Array<string>(size);
    const units = new Array<string>(size);
    for (const [key, id, scale, reset, digits, mode, type, unit, weight, input, width, qmax, noPulse, debounce, lastReading, lastEnd] of rows) {
      if (lastReading !== null && lastEnd !== null) {
        table.baseValue[key] = lastReading;
        table.baseEnd[key] = lastEnd;
      }
      table.pulseWeight[key] = nan(weight);
      table.pulseInput[key] = input !== null && Object.hasOwn(PULSE_INPUT, input) ? PULSE_INPUT[input as PulseInputName] : 0;
      table.pulseWidthMs[key] = nan(width);
      table.qmax[key] = nan(qmax);
      table.noPulseDays[key] = nan(noPulse);
      table.debounceMs[key] = nan(debounce);
      types[key] = type;
      units[key] = unit;
      table.ids[key] = id;
      table.keyOf.set(id, key);
      table.scale[key] = scale;
      table.reset[key] = reset ?? Number.NaN;
      table.digits[key] = digits ?? 0;
      table.mode[key] = mode === "modulus" ? ROLLOVER_MODE.modulus : ROLLOVER_MODE.documented;
    }
    return { ...table, ids: new IdList(table.ids), type: codeStrings(types), unit: codeStrings(units) };
  }

  loadState(meters: MeterTable): MeterState {
    const state = createState(meters.size);
    const baselines = this.#db.prepare(
      "SELECT meter_key, last_reading, last_end FROM meters WHERE last_reading IS NOT NULL AND last_end IS NOT NULL",
    ).raw().all() as Array<[number, number, number]>;
    for (const [key, value, end] of baselines) {
      state.lastValue[key] = value;
      state.lastEnd[key] = end;
    }
    for (const row of this.#db.prepare("SELECT chunk, meters, data FROM meter_state").raw().iterate()) {
      const [chunk, count, data] = row as [number, number, Uint8Array];
      decodeChunk(state, chunk * CHUNK_METERS, Math.min(count, meters.size - chunk * CHUNK_METERS), data);
    }
    return state;
  }

  history(meterKey: number): HistoryEntries {
    return latestOf(this.historyChunk(Math.floor(meterKey / CHUNK_METERS)), meterKey);
  }

  historyChunk(chunk: number): HistoryEntries {
    const all = createEntries();
    const segments = this.#db.prepare("SELECT entries, data FROM history WHERE chunk = ? ORDER BY segment").raw();
    for (const row of segments.iterate(chunk)) {
      const [n, data] = row as [number, Uint8Array];
      decodeSegment(all, data, n);
    }
    return all;
  }

  heldOf(meterIds: readonly string[]): Array<{ meterId: string; endDay: number; value: number }> {
    const select = this.#db.prepare("SELECT meter_id, end_day, line FROM held WHERE meter_id = ?").raw();
    const out: Array<{ meterId: string; endDay: number; value: number }> = [];
    for (const id of meterIds) {
      for (const [meterId, endDay, line] of select.all(id) as Array<[string, number, string]>) {
        const current = (JSON.parse(line) as { current: number | null }).current;
        out.push({ meterId, endDay, value: current ?? Number.NaN });
      }
    }
    return out;
  }

  batch(batchId: string): BatchRecord | undefined {
    const row = this.#db.prepare(
      `SELECT b.batch_id, b.run_id, r.status, b.rows, b.billable, b.held, b.rejected, b.duplicates, b.sensor
       FROM batches b JOIN runs r USING (run_id) WHERE b.batch_id = ?`,
    ).raw().get(batchId) as [string, number, BatchRecord["runStatus"], number, number, number, number, number, number] | undefined;
    if (row === undefined) return undefined;
    const [id, runId, runStatus, rows, billable, held, rejected, duplicates, sensor] = row;
    return { batchId: id, runId, runStatus, rows, billable, held, rejected, duplicates, sensor };
  }

  commit(c: BatchCommit): void {
    const chunks = new Map<number, number[]>();
    const h = c.history;
    for (let i = 0; i < h.length; i++) {
      const chunk = Math.floor(h.meter[i] / CHUNK_METERS);
      let rows = chunks.get(chunk);
      if (rows === undefined) chunks.set(chunk, (rows = []));
      rows.push(i);
    }
    try {
      this.#db.transaction(() => {
        for (const [chunk, rows] of chunks) {
          let lo = Infinity;
          let hi = -Infinity;
          for (const i of rows) {
            lo = Math.min(lo, h.end[i]);
            hi = Math.max(hi, h.end[i]);
          }
          this.#insertSegment.run(chunk, c.batchId, lo, hi, rows.length, encodeSegment(h, rows));
        }
        for (const s of c.state) this.#putChunk.run(s.chunk, s.meters, s.data);
        const version = c.rulesVersion ?? null;
        for (const r of c.held) this.#insertHeld.run(r.readingId, c.batchId, r.meterId, r.endDay, r.reasons, r.line, version);
        const at = now();
        for (const a of c.audit ?? []) this.#insertAudit.run(a.meterId, a.action, a.reason, a.actor, at);
        const k = c.counts;
        this.#insertBatch.run(c.batchId, c.runId, c.seq, c.input, k.rows, k.billable, k.held, k.rejected, k.duplicates, at, version, k.sensor ?? 0);
      })();
    } catch (error) {
      throw new StoreError("MF_ERR_STORE_WRITE", `cannot commit batch ${c.batchId}: ${(error as Error).message}`, error);
    }
  }

  batchOutputs(batchId: string): { history: HistoryEntries; heldLines: string[] } {
    const history = createEntries();
    for (const row of this.#db.prepare("SELECT entries, data FROM history WHERE batch_id = ? ORDER BY segment").raw().iterate(batchId)) {
      const [n, data] = row as [number, Uint8Array];
      decodeSegment(history, data, n);
    }
    const heldLines = this.#db.prepare("SELECT line FROM held WHERE batch_id = ? ORDER BY rowid").pluck().all(batchId) as string[];
    return { history, heldLines };
  }

  adoptBatch(batchId: string, runId: number): void {
    this.#db.prepare("UPDATE batches SET run_id = ? WHERE batch_id = ?").run(runId, batchId);
  }

  startRun(inputs: unknown): number {
    const info = this.#db.prepare("INSERT INTO runs (started_at, status, inputs) VALUES (?, 'running', ?)")
      .run(now(), JSON.stringify(inputs));
    return Number(info.lastInsertRowid);
  }

  finishRun(runId: number, status: "finished" | "failed", summary: unknown, inputs?: unknown): void {
    this.#db.prepare("UPDATE runs SET finished_at = ?, status = ?, summary = ?, inputs = coalesce(?, inputs) WHERE run_id = ?")
      .run(now(), status, JSON.stringify(summary), inputs === undefined ? null : JSON.stringify(inputs), runId);
  }

  close(): void {
    this.#db.close();
  }
}

/** The entries of one meter, one per end day (the latest version wins), ordered by end day. */
function latestOf(all: HistoryEntries, meterKey: number): HistoryEntries {
  const byDay = new Map<number, number>();
  for (let i = 0; i < all.length; i++) if (all.meter[i] === meterKey) byDay.set(all.end[i], i);
  const rows = [...byDay.values()].sort((a, b) => all.end[a] - all.end[b]);
  const out = createEntries(Math.max(rows.length, 1));
  decodeSegment(out, encodeSegment(all, rows).slice(), rows.length);
  return out;
}
