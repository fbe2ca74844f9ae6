// Raw pulse events from high-resolution loggers (README "Pulse events"): one row per pulse and/or
// line sample of a channel, in CSV (header row), NDJSON or msgpack (maps, or columnar maps like
// readings), chosen by extension. Columns:
//   meter_id   the channel's meter (required)
//   time       ISO 8601 date-time (no offset = the configured time zone's wall clock, UTC
//              unless configured) or epoch milliseconds: the pulse's leading
//              edge, or the sample's time (required)
//   on_ms      pulse on-time in ms (contact closed / NAMUR high); empty = the row is only a sample
//   direction  `forward` (default) | `reverse` (or 1 / -1): the direction input at the pulse
//   loop_ma    loop current sample, mA;  tamper  tamper loop sample: 0/closed | 1/open
//   magnet_mt  magnetic field sample, mT
// A row with only meter_id and time is a heartbeat: the channel was logged that day (a day with
// only heartbeats is a day without pulses, not a missing day). A row with a bad value is
// rejected with its reason and raw text; it never stops the file. The file is read whole into columns (about 60 bytes per
// row): split very large logs by day.
import { blankText } from "./blank.js";
import { NO_DAY } from "./batch.js";
import { lastInstantMs, parseDayString, writableInstant } from "./dates.js";
import { idTextOk } from "./id-text.js";
import { isColumn, recordJson } from "./builder.js";
import { IngestError } from "./errors.js";
import { firstCsvRecord } from "./first-record.js";
import { headerHint, isMisspelt, jsonHint, misspeltColumns } from "./header-hint.js";
import { LineReader } from "./lines.js";
import { checkFileLooks } from "./looks.js";
import type { MeterIndex } from "./meter-index.js";
import { numberOfValue } from "./numbers.js";
import { formatOfPath, openFile, readChunks } from "./open.js";
import type { RejectReason } from "./reasons.js";
import { CsvTokenizer } from "./tokenizer.js";

const utf8 = new TextDecoder("utf-8");
const KEYS = ["meter_id", "time", "on_ms", "direction", "loop_ma", "tamper", "magnet_mt"] as const;
const KNOWN: ReadonlySet<string> = new Set(KEYS);

/**
 * Whether an NDJSON or msgpack record has a key that is a column in another spelling (`On_ms`,
 * `" magnet_mt"`): read as written it would be ignored (a pulse read as a heartbeat), so the row
 * is rejected `misspelt_column`, as a CSV header with one is refused.
 */
function misspelt(record: Record<string, unknown>): boolean {
  for (const key of Object.keys(record)) if (isMisspelt(key, KNOWN)) return true;
  return false;
}

/** A record's meter id for its rejection ("" when it has none usable). */
const idOf = (record: Record<string, unknown>): string => (typeof record.meter_id === "string" ? record.meter_id : "");

/** A rejected events row. */
export interface RejectedEvent {
  line: number;
  meterId: string;
  reason: RejectReason;
  raw: string;
}

/** The rows of an events file as columns (`length` valid); NaN = the row does not carry it. */
export interface PulseEventRows {
  length: number;
  /** Meter index in the run's MeterIndex. */
  meter: Int32Array;
  /** ms since epoch, UTC. */
  t: Float64Array;
  /** Pulse on-time, ms; NaN for a sample-only or heartbeat row. */
  onMs: Float64Array;
  /** 1 = direction reversed. */
  reverse: Uint8Array;
  loopMa: Float64Array;
  tamper: Float64Array;
  magnetMt: Float64Array;
  /** 1-based line (CSV, NDJSON) or record number (msgpack). */
  line: Float64Array;
  rejected: RejectedEvent[];
  /** The file's size and SHA-256 are taken by the caller through `onBytes`. */
}

/** Options of readPulseEvents. */
export interface ReadPulseEventsOptions {
  meters: MeterIndex;
  onBytes?: (chunk: Uint8Array) => void;
  maxRecordBytes?: number;
}

/** Reads a whole pulse-events file. Throws IngestError only when the file cannot be read at all, or its start shows another format than its name's. */
export async function readPulseEvents(path: string, options: ReadPulseEventsOptions): Promise<PulseEventRows> {
  const format = formatOfPath(path) ?? "csv";
  const rows = new EventColumns(options.meters);
  if (format !== "csv") checkFileLooks(path, format, "pulse events file");
  const handle = await openFile(path);
  const stream = handle.createReadStream({ highWaterMark: 1 << 20 });
  try {
    const chunks = tap(readChunks(stream, path), options.onBytes);
    if (format === "csv") await readCsv(chunks, rows, options.maxRecordBytes ?? 64 * 1024);
    else if (format === "ndjson") await readNdjson(chunks, rows, options.maxRecordBytes ?? 64 * 1024);
    else await readMsgpack(chunks, rows);
  } finally {
    await handle.close();
  }
  return rows.finish();
}

async function* tap(chunks: AsyncIterable<Uint8Array>, onBytes?: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    onBytes?.(chunk);
    yield chunk;
  }
}

type Get = (key: (typeof KEYS)[number]) => unknown;

async function readCsv(chunks: AsyncIterable<Uint8Array>, rows: EventColumns, maxRecordBytes: number): Promise<void> {
  const tok = new CsvTokenizer({ maxRecordBytes });
  let header: string[] | null = null;
  let at: number[] = [];
  const get: Get = (key) => {
    const i = at[KEYS.indexOf(key)];
    return i < 0 ? undefined : tok.fieldString(i);
  };
  const drain = () => {
    while (tok.next()) {
      if (header === null) {
        header = eventsHeader(tok);
        at = KEYS.map((key) => header!.indexOf(key));
        continue;
      }
      if (tok.malformed) rows.reject(tok.line, "", "malformed_record", tok.rawString());
      else if (tok.count !== header.length) rows.reject(tok.line, "", "column_count", tok.rawString());
      else rows.add(get, tok.line, () => tok.rawString());
    }
  };
  for await (const chunk of chunks) {
    tok.push(chunk);
    drain();
  }
  tok.finish();
  drain();
}

/** The column names of a pulse-events CSV header; IngestError `MF_ERR_INPUT_HEADER` without meter_id or time. */
function eventsHeader(tok: CsvTokenizer): string[] {
  const header: string[] = [];
  for (let i = 0; i < tok.count; i++) header.push(tok.fieldString(i));
  for (const key of ["meter_id", "time"]) {
    if (!header.includes(key)) {
      const hint = jsonHint(tok.rawString()) || headerHint(header, ["meter_id", "time"]);
      throw new IngestError("MF_ERR_INPUT_HEADER", `pulse events CSV header lacks required column "${key}"${hint}`);
    }
  }
  const misspelt = misspeltColumns(header, KEYS);
  if (misspelt !== "") throw new IngestError("MF_ERR_INPUT_HEADER", `pulse events CSV header: ${misspelt}`);
  return header;
}

/**
 * Checks the header of the pulse-events file `path` as readPulseEvents will, reading only its
 * first record (a CSV file's: NDJSON and msgpack have none, their start is checked for another
 * format's, looks.ts): rejects IngestError `MF_ERR_INPUT_HEADER` (or `MF_ERR_INPUT_OPEN` /
 * `MF_ERR_INPUT_READ`).
 */
export function checkPulseEventsHeader(path: string, maxRecordBytes?: number): void {
  const format = formatOfPath(path) ?? "csv";
  if (format !== "csv") return checkFileLooks(path, format, "pulse events file");
  const tok = firstCsvRecord(path, maxRecordBytes);
  if (tok !== null) eventsHeader(tok);
}

async function readNdjson(chunks: AsyncIterable<Uint8Array>, rows: EventColumns, maxRecordBytes: number): Promise<void> {
  const lines = new LineReader(maxRecordBytes);
  const drain = () => {
    while (lines.next()) {
      const text = utf8.decode(lines.buf.subarray(lines.start, lines.end));
      if (text.trim() === "") continue;
      let record: unknown;
      try {
        record = lines.overlong ? undefined : JSON.parse(text);
      } catch {
        record = undefined;
      }
      if (record === null || typeof record !== "object" || Array.isArray(record)) {
        rows.reject(lines.line, "", "malformed_record", text);
        continue;
      }
      const fields = record as Record<string, unknown>;
      if (misspelt(fields)) rows.reject(lines.line, idOf(fields), "misspelt_column", text);
      else rows.add((key) => fields[key], lines.line, () => text);
    }
  };
  for await (const chunk of chunks) {
    lines.push(chunk);
    drain();
  }
  lines.finish();
  drain();
}

async function readMsgpack(chunks: AsyncIterable<Uint8Array>, rows: EventColumns): Promise<void> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const bytes = Buffer.concat(parts);
  let record = 0;
  const add = (value: unknown) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      rows.reject(++record, "", "malformed_record", recordJson(value, -1));
      return;
    }
    const map = value as Record<string, unknown>;
    const wrong = misspelt(map);
    const columns = KEYS.filter((key) => isColumn(map[key]));
    if (columns.length === 0) {
      if (wrong) rows.reject(++record, idOf(map), "misspelt_column", recordJson(map, -1));
      else rows.add((key) => map[key], ++record, () => recordJson(map, -1));
      return;
    }
    const length = Math.max(...columns.map((key) => (map[key] as ArrayLike<unknown>).length));
    for (let i = 0; i < length; i++) {
      const at = (key: string) => (isColumn(map[key]) ? (map[key] as ArrayLike<unknown>)[i] : map[key]);
      if (wrong) {
        const id = at("meter_id");
        rows.reject(++record, typeof id === "string" ? id : "", "misspelt_column", recordJson(map, i));
      } else rows.add(at, ++record, () => recordJson(map, i));
    }
  };
  // msgpackr is loaded for msgpack files only: a run of CSV files does not pay its load (with the
  // extension types a reader takes: msgpack-extensions.ts).
  await import("./msgpack-extensions.js");
  const { Unpackr } = await import("msgpackr");
  try {
    new Unpackr({ mapsAsObjects: true }).unpackMultiple(bytes, add);
  } catch (error) {
    rows.reject(++record, "", "malformed_record", `undecodable msgpack: ${(error as Error).message}`);
  }
}

/**
 * ms since epoch of an ISO 8601 date-time (without an offset: the wall-clock time of the thread's
 * time zone, UTC unless configured), an epoch-ms number or a msgpack timestamp; NaN otherwise.
 */
export function timeOfValue(value: unknown): number {
  const ms = instantOfValue(value);
  // Days of years 0000 to 9999 in the zone only: the day a pulse falls on is written as YYYY-MM-DD.
  return writableInstant(ms) ? ms : Number.NaN;
}

function instantOfValue(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.NaN;
  // A msgpack timestamp (decoded as a Date), as a reading's `end` takes it.
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string") return Number.NaN;
  // Epoch milliseconds as text read as the number would be (before 1970 too).
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  // A date-time as a reading's `end` takes it (dates.ts: a space for the T, a leap second, a
  // fraction cut to milliseconds, no offset the zone's wall clock); a date alone is no pulse's time.
  const t = value.trim();
  return t.length > 10 && parseDayString(t) !== NO_DAY ? lastInstantMs() : Number.NaN;
}

/** A number >= 0 from a decoded value; NaN when absent, -1 when bad. */
function measure(value: unknown): number {
  if (value === undefined || value === null || value === "") return Number.NaN;
  const n = numberOfValue(value);
  return Number.isFinite(n) && n >= 0 ? n : -1;
}

/** The tamper state: 0 closed, 1 open; NaN absent; -1 bad. */
function tamperOf(value: unknown): number {
  if (value === "open" || value === true) return 1;
  if (value === "closed" || value === false) return 0;
  const n = measure(value);
  return n === 0 || n === 1 || n !== n ? n : -1;
}

/** The direction: 0 forward, 1 reverse, -1 bad. */
function reverseOf(value: unknown): number {
  if (value === undefined || value === null || value === "" || value === "forward" || value === 1 || value === "1") return 0;
  if (value === "reverse" || value === -1 || value === "-1") return 1;
  return -1;
}

class EventColumns {
  length = 0;
  meter = new Int32Array(1024);
  t = new Float64Array(1024);
  onMs = new Float64Array(1024);
  reverse = new Uint8Array(1024);
  loopMa = new Float64Array(1024);
  tamper = new Float64Array(1024);
  magnetMt = new Float64Array(1024);
  line = new Float64Array(1024);
  readonly rejected: RejectedEvent[] = [];
  readonly #meters: MeterIndex;

  constructor(meters: MeterIndex) {
    this.#meters = meters;
  }

  reject(line: number, meterId: string, reason: RejectReason, raw: string): void {
    this.rejected.push({ line, meterId, reason, raw });
  }

  add(get: Get, line: number, raw: () => string): void {
    const id = get("meter_id");
    const meterId = typeof id === "string" ? id : typeof id === "number" && Number.isFinite(id) ? String(id) : "";
    if (blankText(meterId)) return this.reject(line, "", "missing_meter_id", raw());
    if (!idTextOk(meterId)) return this.reject(line, "", "bad_meter_id", raw());
    const t = timeOfValue(get("time"));
    if (t !== t) return this.reject(line, meterId, "bad_event_time", raw());
    const on = measure(get("on_ms"));
    const loop = measure(get("loop_ma"));
    const tamper = tamperOf(get("tamper"));
    const magnet = measure(get("magnet_mt"));
    const reverse = reverseOf(get("direction"));
    if (on < 0 || loop < 0 || tamper < 0 || magnet < 0 || reverse < 0) return this.reject(line, meterId, "bad_event", raw());
    if (this.length === this.t.length) this.#grow();
    const i = this.length++;
    this.meter[i] = this.#meters.intern(meterId);
    this.t[i] = t;
    this.onMs[i] = on;
    this.reverse[i] = reverse;
    this.loopMa[i] = loop;
    this.tamper[i] = tamper;
    this.magnetMt[i] = magnet;
    this.line[i] = line;
  }

  #grow(): void {
    const n = this.t.length * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.meter = grow(this.meter);
    this.t = grow(this.t);
    this.onMs = grow(this.onMs);
    this.reverse = grow(this.reverse);
    this.loopMa = grow(this.loopMa);
    this.tamper = grow(this.tamper);
    this.magnetMt = grow(this.magnetMt);
    this.line = grow(this.line);
  }

  finish(): PulseEventRows {
    return {
      length: this.length, meter: this.meter, t: this.t, onMs: this.onMs, reverse: this.reverse, loopMa: this.loopMa,
      tamper: this.tamper, magnetMt: this.magnetMt, line: this.line, rejected: this.rejected,
    };
  }
}
