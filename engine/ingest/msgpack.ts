// Readings from msgpack: a concatenation of msgpack values, each one reading map (the CSV
// column names as keys) or a columnar batch map whose fields are arrays or typed arrays
// (`{ meter_id: [...], end: [...], value: Float64Array }`; a scalar field applies to every row).
// Values may be split across chunks. `line` is the 1-based record number, a columnar batch
// counting one per row; raw text is the record's JSON. A value that is not a map (a list, a string)
// is one malformed_record row, and the file goes on. Bytes that cannot be decoded (0xC1 where a
// value begins too, which msgpack never uses and msgpackr decodes as a marker) give one
// malformed_record row naming their offset and saying the rest is not read, and end the file:
// msgpack has no record boundaries to find the next value by. A map is a columnar batch when its
// meter_id, end or value is an array or a typed array; bytes (msgpack bin) are never a column, so
// bytes where a number or text belongs are that field's bad value, never rows of their own.
import { C1, Unpackr } from "msgpackr";
import "./msgpack-extensions.js";
import type { ReadingBatch } from "./batch.js";
import { BatchBuilder, isColumn, recordJson } from "./builder.js";
import { anyTooLong, exceeds, writeValues } from "./fields.js";
import { hasMisspeltKey } from "./key-spelling.js";
import type { ReadingValues } from "./fields.js";
import { resolveReadOptions } from "./options.js";
import { PULSE_FIELD_NAMES } from "./pulse-fields.js";
import type { ReadReadingsOptions, ResolvedReadOptions } from "./options.js";
import { REJECT } from "./reasons.js";
import { ChunkWindow, asBytes } from "./window.js";

const BASE_KEYS = ["meter_id", "end", "value", "override", "source", "verification", ...PULSE_FIELD_NAMES, "channel"];

/** What one decoding pass over the held bytes found. */
interface Pass {
  values: unknown[];
  /** Why decoding stopped for good (raw text for the malformed row), or null. */
  fatal: string | null;
}

/**
 * Decodes msgpack readings into batches of up to `batchSize` rows. Never throws for bad data:
 * see the file header. Each yielded batch is a fresh object with its own columns.
 */
export async function* readMsgpackReadings(
  stream: AsyncIterable<Uint8Array>,
  options: ReadReadingsOptions,
): AsyncGenerator<ReadingBatch> {
  const o = resolveReadOptions(options);
  // The fields of a columnar record that are read: the reading's, then the plugins' channels.
  const keys = [...BASE_KEYS, ...o.channels.keys()];
  // `structures` persists record definitions (msgpackr's records extension) across values and chunks.
  const unpackr = new Unpackr({ structures: [], mapsAsObjects: true });
  const win = new ChunkWindow();
  const b = new BatchBuilder(o.batchSize, o.meters, "values");
  const row: ReadingValues = {};
  let pos = 0; // first byte not yet decoded
  let base = 0; // file offset of the window's first byte
  let retryAt = 0; // window length worth another attempt at an incomplete value
  let record = 0;

  const decode = (atEnd: boolean): Pass => {
    const values: unknown[] = [];
    const src = win.buf.subarray(pos, win.len);
    let reserved = -1;
    try {
      unpackr.unpackMultiple(src, (value: unknown, start?: number) => {
        // msgpackr decodes 0xC1, which msgpack never uses, as a marker value: it is undecodable bytes.
        if (value === C1) {
          reserved = start ?? 0;
          return false;
        }
        values.push(value);
        return true;
      });
      if (reserved >= 0) {
        const at = pos + reserved;
        pos = at;
        return { values, fatal: undecodable(win.buf, at, base, "0xC1, a byte msgpack never uses") };
      }
      pos = win.len;
      return { values, fatal: null };
    } catch (error) {
      const e = error as { incomplete?: boolean; lastPosition?: number; missingBytes?: number; message?: string };
      const at = pos + (e.lastPosition ?? 0);
      pos = at;
      if (e.incomplete === true && !atEnd) {
        const held = win.len - at;
        if (held > o.maxMsgpackValueBytes) {
          return { values, fatal: undecodable(win.buf, at, base, `a value longer than ${o.maxMsgpackValueBytes} bytes`) };
        }
        // Retry once as many bytes again have arrived (or the hinted missing ones): linear overall.
        retryAt = win.len + Math.max(1, e.missingBytes ?? held);
        return { values, fatal: null };
      }
      const why = e.incomplete === true ? "truncated value at end of input" : String(e.message ?? error);
      return { values, fatal: undecodable(win.buf, at, base, why) };
    }
  };

  // Rows of one decoded value; yields (through the generator below) whenever the batch is full.
  function* rows(value: unknown): Generator<ReadingBatch, void> {
    if (!isMap(value)) {
      b.line[b.rows] = ++record;
      b.rejectRow(b.rows++, REJECT.malformed_record, recordJson(value, -1));
      if (b.rows === b.capacity) yield b.finish();
      return;
    }
    if (!isColumnar(value)) {
      const r = b.rows++;
      b.line[r] = ++record;
      b.rawValue[r] = value;
      b.rawIndex[r] = -1;
      if (writeValues(b, r, value, anyTooLong(value, o.maxFieldBytes), o, hasMisspeltKey(value, o.channels)) !== 0) b.rejectedRaw.set(r, recordJson(value, -1));
      if (b.rows === b.capacity) yield b.finish();
      return;
    }
    const plan = planColumns(value, o.maxFieldBytes, keys, o.channels);
    if (plan.longest === 0) {
      // A columnar batch of no rows (`value: []`) is no reading, but it is a record: accounted.
      b.line[b.rows] = ++record;
      b.rejectRow(b.rows++, REJECT.malformed_record, recordJson(value, -1));
      if (b.rows === b.capacity) yield b.finish();
      return;
    }
    for (let i = 0; i < plan.longest; i++) {
      const r = b.rows++;
      b.line[r] = ++record;
      b.rawValue[r] = value;
      b.rawIndex[r] = i;
      if (i >= plan.shortest) b.rejectRow(r, REJECT.column_count, recordJson(value, i));
      else if (writeRow(b, r, plan, i, row, o, keys) !== 0) b.rejectedRaw.set(r, recordJson(value, i));
      if (b.rows === b.capacity) yield b.finish();
    }
  }

  /** The pass's rows, then its undecodable bytes' row; whether the file goes on. */
  function* emit(pass: Pass): Generator<ReadingBatch, boolean> {
    for (const value of pass.values) yield* rows(value);
    if (pass.fatal === null) return true;
    b.line[b.rows] = ++record;
    b.rejectRow(b.rows++, REJECT.malformed_record, `${pass.fatal}; the rest of the file from there is not read (msgpack cannot find the next value)`);
    if (b.rows === b.capacity) yield b.finish();
    return false;
  }

  let going = true;
  for await (const chunk of stream) {
    const bytes = asBytes(chunk);
    if (bytes.length === 0) continue;
    const shift = win.append(bytes, pos);
    base += shift;
    pos -= shift;
    retryAt -= shift;
    if (win.len < retryAt && win.len - pos <= o.maxMsgpackValueBytes) continue;
    going = yield* emit(decode(false));
    if (!going) break;
  }
  if (going && pos < win.len) yield* emit(decode(true));
  if (b.rows > 0) yield b.finish();
}

/** A columnar record taken apart once: each reading field as a column or a scalar. */
interface ColumnPlan {
  columns: Array<ArrayLike<unknown> | null>;
  scalars: unknown[];
  /** Plain-array columns (the ones that can hold strings), for the field length check. */
  textColumns: Array<ArrayLike<unknown>>;
  /** Whether a scalar field is longer than maxFieldBytes (then every row is). */
  scalarTooLong: boolean;
  /** Whether a key is a known column in another spelling (then every row is rejected so). */
  misspelt: boolean;
  shortest: number;
  longest: number;
}

function planColumns(record: Record<string, unknown>, maxFieldBytes: number, keys: readonly string[], channels: ReadonlyMap<string, number>): ColumnPlan {
  const plan: ColumnPlan = {
    columns: [], scalars: [], textColumns: [], scalarTooLong: false, misspelt: hasMisspeltKey(record, channels), shortest: Infinity, longest: 0,
  };
  for (const key of keys) {
    const field = record[key];
    plan.columns.push(isColumn(field) ? (field as ArrayLike<unknown>) : null);
    plan.scalars.push(field);
  }
  for (const key in record) {
    const field = record[key];
    if (!isColumn(field)) {
      if (typeof field === "string" && exceeds(field, maxFieldBytes)) plan.scalarTooLong = true;
      continue;
    }
    const column = field as ArrayLike<unknown>;
    if (Array.isArray(column)) plan.textColumns.push(column);
    plan.shortest = Math.min(plan.shortest, column.length);
    plan.longest = Math.max(plan.longest, column.length);
  }
  return plan;
}

/** Writes row `i` of a columnar record into row `r`; returns its rejection code. */
function writeRow(b: BatchBuilder, r: number, plan: ColumnPlan, i: number, row: ReadingValues, o: ResolvedReadOptions, keys: readonly string[]): number {
  const { columns, scalars } = plan;
  row.meter_id = columns[0] !== null ? columns[0][i] : scalars[0];
  row.end = columns[1] !== null ? columns[1][i] : scalars[1];
  row.value = columns[2] !== null ? columns[2][i] : scalars[2];
  row.override = columns[3] !== null ? columns[3][i] : scalars[3];
  row.source = columns[4] !== null ? columns[4][i] : scalars[4];
  row.verification = columns[5] !== null ? columns[5][i] : scalars[5];
  for (let k = 6; k < keys.length; k++) row[keys[k]] = columns[k] !== null ? columns[k]![i] : scalars[k];
  let tooLong = plan.scalarTooLong;
  for (let k = 0; !tooLong && k < plan.textColumns.length; k++) {
    const v = plan.textColumns[k][i];
    tooLong = typeof v === "string" && exceeds(v, o.maxFieldBytes);
  }
  return writeValues(b, r, row, tooLong, o, plan.misspelt);
}

function isMap(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isColumnar(record: Record<string, unknown>): boolean {
  return isColumn(record.meter_id) || isColumn(record.end) || isColumn(record.value);
}

/** Raw text for undecodable bytes: where, why, and the first bytes in hex. */
function undecodable(buf: Uint8Array, at: number, base: number, why: string): string {
  const head = Buffer.from(buf.buffer, buf.byteOffset + at, Math.min(64, buf.length - at)).toString("hex");
  return `undecodable msgpack at byte ${base + at} (${why}): 0x${head}`;
}
