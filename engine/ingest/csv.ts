// Readings from CSV (header row required), decoded from bytes straight into ReadingBatch
// columns: meter ids interned from bytes, numbers and dates parsed in place, strings created
// only for rejected rows' raw text and unusual fields. Memory holds the current chunk and the
// current batch, whatever the file size.
import { MAX_REGISTER } from "../consumption/registers.js";
import { blankBytes, blankText } from "./blank.js";
import { idBytesOk } from "./id-text.js";
import { NO_DAY } from "./batch.js";
import type { ReadingBatch } from "./batch.js";
import { BatchBuilder } from "./builder.js";
import { lastInstantMs, parseDayBytes, parseDayString } from "./dates.js";
import { IngestError } from "./errors.js";
import { firstCsvRecord, firstNdjsonKeys } from "./first-record.js";
import { headerHint, jsonHint, misspeltColumns } from "./header-hint.js";
import { parseNumberBytes, parseNumberString } from "./numbers.js";
import { PendingIds } from "./pending-ids.js";
import { PULSE_FIELD_NAMES, PULSE_FIELDS } from "./pulse-fields.js";
import type { PulseInput } from "./pulse-fields.js";
import { resolveReadOptions } from "./options.js";
import type { ReadReadingsOptions, ResolvedReadOptions } from "./options.js";
import { REJECT, SOURCE, VERIFICATION } from "./reasons.js";
import { CsvTokenizer } from "./tokenizer.js";

const R = REJECT;
const REQUIRED = ["meter_id", "end", "value"] as const;
const OPTIONAL = ["override", "source", "verification"] as const;

/** Column positions of the reading fields in a CSV header; -1 when absent. */
interface Columns {
  count: number;
  meter: number;
  end: number;
  value: number;
  override: number;
  source: number;
  verification: number;
  /** Pulse columns present in the header: [position, kernel input]. */
  pulse: Array<[number, PulseInput]>;
  /** Channel columns present in the header (wide rows): [position, channel index]. */
  channels: Array<[number, number]>;
  /** The `channel` column (rows of one channel value each); -1 when absent. */
  channel: number;
}

/**
 * Decodes CSV readings into batches of up to `batchSize` rows. Bad rows become rejected rows
 * with their reason and raw line, never errors. A header without `meter_id`, `end` or `value`
 * (`value` may be missing from a file of sensor rows, whose header names channels)
 * (or an input without a header) rejects with IngestError `MF_ERR_INPUT_HEADER`.
 * Each yielded batch is a fresh object with its own columns.
 */
export async function* readCsvReadings(
  stream: AsyncIterable<Uint8Array>,
  options: ReadReadingsOptions,
): AsyncGenerator<ReadingBatch> {
  const o = resolveReadOptions(options);
  const tok = new CsvTokenizer({ maxRecordBytes: o.maxRecordBytes, reuseWindow: o.rawFile !== undefined });
  const b = new BatchBuilder(o.batchSize, o.meters, "bytes", o.rawFile);
  const pending = new PendingIds(o.meters);
  let columns: Columns | null = null;
  // Decodes records until the batch is full (true) or more input is needed (false); either way
  // with every id interned (a batch is finished, or the window moves, next).
  const fill = (): boolean => {
    while (tok.next()) {
      if (columns === null) {
        columns = readHeader(tok, o.channels);
        if (columns.pulse.length > 0) b.enablePulse();
      } else {
        decodeRecord(tok, columns, b, o, pending);
        if (b.rows === b.capacity) {
          pending.flush();
          return true;
        }
      }
    }
    pending.flush();
    return false;
  };
  for await (const chunk of stream) {
    tok.push(chunk);
    while (fill()) yield b.finish();
  }
  tok.finish();
  while (fill()) yield b.finish();
  // An empty file is a night without readings, not an error; a file with rows but no usable
  // header never gets here (its first row is taken as the header and checked).
  if (columns === null) return;
  if (b.rows > 0) yield b.finish();
}

/**
 * Checks the header of the readings CSV file `path` as readCsvReadings will (`channels`: the
 * plugins' channel names, whose columns make a file of sensor rows that needs no `value`),
 * reading only its first record: rejects IngestError `MF_ERR_INPUT_HEADER` (or
 * `MF_ERR_INPUT_OPEN` / `MF_ERR_INPUT_READ`). An empty file has no header to check.
 * @example
 *   checkReadingsCsvHeader("readings.csv", channelIndex(plugins));
 */
export function checkReadingsCsvHeader(path: string, channels: ReadonlyMap<string, number>, maxRecordBytes?: number): void {
  const tok = firstCsvRecord(path, maxRecordBytes);
  if (tok !== null) readHeader(tok, channels);
}

/** Every column a readings file may have: the reading's, the pulse columns, the plugins' channels. */
export function readingColumns(channels: ReadonlyMap<string, number>): string[] {
  return [...REQUIRED, ...OPTIONAL, ...PULSE_FIELD_NAMES, ...channels.keys(), "channel"];
}

/**
 * Checks the keys of an NDJSON readings file's first record as a CSV header's names are checked:
 * a known column in another spelling (`"Override"`) is IngestError `MF_ERR_INPUT_HEADER`.
 */
export function checkReadingsNdjsonKeys(path: string, channels: ReadonlyMap<string, number>, maxRecordBytes?: number): void {
  const keys = firstNdjsonKeys(path, maxRecordBytes);
  const misspelt = keys === null ? "" : misspeltColumns(keys, readingColumns(channels), "the first record");
  if (misspelt !== "") throw new IngestError("MF_ERR_INPUT_HEADER", `readings NDJSON: ${misspelt}`);
}

function readHeader(tok: CsvTokenizer, known: ReadonlyMap<string, number>): Columns {
  if (tok.malformed) throw new IngestError("MF_ERR_INPUT_HEADER", `readings CSV header is malformed: ${tok.rawString().slice(0, 200)}${jsonHint(tok.rawString())}`);
  const names: string[] = [];
  for (let i = 0; i < tok.count; i++) names.push(tok.fieldString(i));
  const position = (name: string): number => {
    const at = names.indexOf(name);
    if (at >= 0 && names.indexOf(name, at + 1) >= 0) {
      throw new IngestError("MF_ERR_INPUT_HEADER", `readings CSV header has column "${name}" twice`);
    }
    return at;
  };
  // A file of sensor rows only (channel columns, no register values) needs no `value` column.
  const sensorFile = names.some((name) => known.has(name));
  const missing = REQUIRED.filter((name) => position(name) < 0 && !(name === "value" && sensorFile));
  if (missing.length > 0) {
    const list = missing.map((name) => `"${name}"`).join(", ");
    throw new IngestError("MF_ERR_INPUT_HEADER", `readings CSV header lacks required column ${list}${headerHint(names, REQUIRED)}`);
  }
  for (const name of OPTIONAL) position(name);
  const misspelt = misspeltColumns(names, readingColumns(known));
  if (misspelt !== "") throw new IngestError("MF_ERR_INPUT_HEADER", `readings CSV header: ${misspelt}`);
  const pulse: Array<[number, PulseInput]> = [];
  for (const name of PULSE_FIELD_NAMES) {
    const at = position(name);
    if (at >= 0) pulse.push([at, PULSE_FIELDS[name]]);
  }
  const channels: Array<[number, number]> = [];
  for (const [name, index] of known) {
    const at = position(name);
    if (at >= 0) channels.push([at, index]);
  }
  return {
    pulse,
    channels,
    channel: position("channel"),
    count: names.length,
    meter: names.indexOf("meter_id"),
    end: names.indexOf("end"),
    value: names.indexOf("value"),
    override: names.indexOf("override"),
    source: names.indexOf("source"),
    verification: names.indexOf("verification"),
  };
}

function decodeRecord(t: CsvTokenizer, c: Columns, b: BatchBuilder, o: ResolvedReadOptions, pending: PendingIds): void {
  const r = b.rows++;
  const buf = t.buf;
  b.line[r] = t.line;
  b.rawSegment[r] = b.segment(buf, t.windowBase);
  b.rawStart[r] = t.start;
  b.rawEnd[r] = t.end;
  let reason = 0;
  let meter = -1;
  let day = NO_DAY;
  let value = Number.NaN;
  let override = Number.NaN;
  let source = 0;
  let verification = 0;
  // A plain id is deferred: interned with the next few hundred (pending-ids.ts).
  let deferred = false;
  if (t.malformed) {
    // A line cut at the record limit keeps the fields read before the cut: an overlong field
    // there is `field_too_long` (and a meter id before it is kept), anything else is malformed.
    reason = t.overlong && longestField(t) > o.maxFieldBytes ? R.field_too_long : R.malformed_record;
    if (t.overlong) meter = meterOf(t, c, o, pending);
  } else if (t.count !== c.count) {
    reason = R.column_count;
    meter = meterOf(t, c, o, pending);
  } else {
    const fs = t.fieldStart;
    const fe = t.fieldEnd;
    const fx = t.fieldEscaped;
    const maxField = o.maxFieldBytes;
    let tooLong = false;
    for (let i = 0; i < t.count; i++) {
      if (fe[i] - fs[i] > maxField) {
        tooLong = true;
        break;
      }
    }
    let i = c.meter;
    if (fx[i] === 1 ? blankText(t.fieldString(i)) : blankBytes(buf, fs[i], fe[i])) reason = R.missing_meter_id;
    else if (!idBytesOk(buf, fs[i], fe[i])) reason = R.bad_meter_id;
    else if (fe[i] - fs[i] <= maxField) {
      if (fx[i] === 1) {
        pending.flush();
        meter = o.meters.intern(t.fieldString(i));
      } else {
        deferred = true;
      }
    }
    i = c.value;
    const noValue = i < 0 || fe[i] === fs[i];
    value = i < 0 ? Number.NaN : fx[i] === 1 ? parseNumberString(t.fieldString(i)) : parseNumberBytes(buf, fs[i], fe[i]);
    const sensorRow = c.channels.length > 0 || c.channel >= 0 ? sensorValues(t, c, b, r, o, noValue ? Number.NaN : value, noValue) : 0;
    if (sensorRow < 0 && reason === 0) reason = -sensorRow;
    if (sensorRow !== 0) value = Number.NaN;
    else if (reason === 0) {
      if (value !== value) reason = R.bad_value;
      else if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) reason = R.non_finite_value;
      else if (value < 0) reason = R.negative_value;
      // No register shows 22 digits (consumption.ts's bound): every consumption stays a finite number.
      else if (value >= MAX_REGISTER) reason = R.value_exceeds_register;
    }
    i = c.end;
    day = fx[i] === 1 ? parseDayString(t.fieldString(i)) : parseDayBytes(buf, fs[i], fe[i]);
    if (b.sensors !== undefined) b.setSensorTime(r, lastInstantMs());
    if (reason === 0) {
      if (day === NO_DAY) reason = R.bad_date;
      else if (day > o.maxEndDay) reason = R.future_date;
    }
    i = c.override;
    if (i >= 0 && fe[i] > fs[i]) {
      override = fx[i] === 1 ? parseNumberString(t.fieldString(i)) : parseNumberBytes(buf, fs[i], fe[i]);
      if (!Number.isFinite(override)) {
        override = Number.NaN;
        if (reason === 0) reason = R.bad_override;
      }
    }
    i = c.source;
    if (i >= 0 && fe[i] > fs[i]) {
      source = sourceOf(buf, fs[i], fe[i]);
      if (source < 0) {
        source = 0;
        if (reason === 0) reason = R.bad_source;
      }
    }
    i = c.verification;
    if (i >= 0 && fe[i] > fs[i]) {
      verification = verificationOf(buf, fs[i], fe[i]);
      if (verification < 0) {
        verification = 0;
        if (reason === 0) reason = R.bad_verification;
      }
    }
    for (let k = 0; k < c.pulse.length; k++) {
      const [at, input] = c.pulse[k];
      if (fe[at] === fs[at]) continue;
      let v = fx[at] === 1 ? parseNumberString(t.fieldString(at)) : parseNumberBytes(buf, fs[at], fe[at]);
      if (v !== v) v = verificationOf(buf, fs[at], fe[at]) - 1; // true/false as 1/0 (tamper_open)
      if (Number.isFinite(v) && v >= 0) b.pulse![input][r] = v;
      else if (reason === 0) reason = R.bad_pulse_field;
    }
    // A field over the limit is the reason, whatever it holds (2,000 digits are no value).
    if (tooLong) reason = R.field_too_long;
  }
  b.setRow(r, meter, day, value, override, source, verification, reason);
  if (deferred) pending.add(b.meter, r, buf, t.fieldStart[c.meter], t.fieldEnd[c.meter]);
  if (reason !== 0) b.rejectedRaw.set(r, t.rawString());
}

/**
 * The meter id of a record whose fields do not line up with the header (a `column_count` row,
 * or a line cut at the record limit): the field at `meter_id`'s position, when the record has
 * it complete, is not empty and not over the field limit; -1 otherwise.
 */
function meterOf(t: CsvTokenizer, c: Columns, o: ResolvedReadOptions, pending: PendingIds): number {
  const i = c.meter;
  if (i >= t.count || (t.overlong && i === t.count - 1)) return -1;
  const n = t.fieldEnd[i] - t.fieldStart[i];
  if (n === 0 || n > o.maxFieldBytes) return -1;
  // Deferred ids first: indices in row order.
  pending.flush();
  return t.fieldEscaped[i] === 1 ? o.meters.intern(t.fieldString(i)) : o.meters.internBytes(t.buf, t.fieldStart[i], t.fieldEnd[i]);
}

/** The longest field of the current record, in bytes. */
function longestField(t: CsvTokenizer): number {
  let max = 0;
  for (let i = 0; i < t.count; i++) max = Math.max(max, t.fieldEnd[i] - t.fieldStart[i]);
  return max;
}

/**
 * Records row `r`'s channel values. Returns 0 for a reading row (it has a register value),
 * 1 for a sensor row (channel values only, or a `channel` row), or minus a rejection code.
 * `value` is the parsed `value` cell, NaN when empty.
 */
function sensorValues(t: CsvTokenizer, c: Columns, b: BatchBuilder, r: number, o: ResolvedReadOptions, value: number, noValue: boolean): number {
  const buf = t.buf;
  const fs = t.fieldStart;
  const fe = t.fieldEnd;
  // One channel value per row: `channel` names it, `value` holds it (negative is fine).
  if (c.channel >= 0 && fe[c.channel] > fs[c.channel]) return b.channelRow(r, o.channels.get(t.fieldString(c.channel)), value);
  let found = 0;
  let bad = false;
  for (let k = 0; k < c.channels.length; k++) {
    const [at, index] = c.channels[k];
    if (fe[at] === fs[at]) continue;
    const v = t.fieldEscaped[at] === 1 ? parseNumberString(t.fieldString(at)) : parseNumberBytes(buf, fs[at], fe[at]);
    if (!Number.isFinite(v)) {
      bad = true;
      if (!noValue) b.addSensorValue(r, index, Number.NaN, v);
      continue;
    }
    b.addSensorValue(r, index, Number.NaN, v);
    found++;
  }
  return b.wideRow(r, noValue, found, bad);
}

/** SOURCE code of `auto`, `manual` or `import` (any case, as `verification`) in bytes; -1 otherwise. */
function sourceOf(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 4 && equalsLower(buf, s, "auto")) return SOURCE.auto;
  if (n === 6 && equalsLower(buf, s, "manual")) return SOURCE.manual;
  if (n === 6 && equalsLower(buf, s, "import")) return SOURCE.import;
  return -1;
}

/** VERIFICATION code of `true`/`false` (any case) or `1`/`0` in bytes; -1 otherwise. */
function verificationOf(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 1) return buf[s] === 49 ? VERIFICATION.true : buf[s] === 48 ? VERIFICATION.false : -1;
  if (n === 4 && equalsLower(buf, s, "true")) return VERIFICATION.true;
  if (n === 5 && equalsLower(buf, s, "false")) return VERIFICATION.false;
  return -1;
}

function equalsLower(buf: Uint8Array, s: number, ascii: string): boolean {
  for (let i = 0; i < ascii.length; i++) if ((buf[s + i] | 0x20) !== ascii.charCodeAt(i)) return false;
  return true;
}
