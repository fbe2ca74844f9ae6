// Reads the meter registry (DESIGN.md "Meter registry"): CSV with a header row or NDJSON with
// the same keys, chosen by extension (.csv; .ndjson, .jsonl) as a readings file's is; another
// name is refused, as it is for readings. Bad rows are rejected with a reason, never thrown; a file
// that cannot be opened, is named neither way, starts as another format (looks.ts) or has a CSV
// header without `meter_id` rejects with IngestError. Meters are read into a RegistryTable
// (columns); CSV rows from their bytes (registry-csv.ts), anything else through toMeterRecord.
import { isAscii } from "node:buffer";
import { extname } from "node:path";
import { checkFileLooks, CsvTokenizer, firstCsvRecord, firstNdjsonKeys, IngestError, LineReader, openFile, readFileChunks, headerHint, isMisspelt, jsonHint, misspeltColumns } from "../ingest/index.js";
import { longestToken } from "../ingest/ndjson.js";
import { today } from "../time/current.js";
import { IdSet } from "./id-set.js";
import type { MeterRecord } from "./meter.js";
import { CsvRegistryRows, SLOW } from "./registry-csv.js";
import { keepStored } from "./registry-keep.js";
import type { StoredMeters } from "./registry-keep.js";
import { FIELDS, meterIdOf, toMeterRecord } from "./registry-row.js";
import type { FieldGetter, LastEndBound, MeterTypeLookup, RegistryRejectReason } from "./registry-row.js";
import { RegistryTable } from "./registry-table.js";

const utf8 = new TextDecoder("utf-8");

/** A registry row that was not imported. */
export interface RegistryRejection {
  /** 1-based physical line where the row starts (the CSV header is line 1). */
  line: number;
  /** The row's meter id, "" when it has none. */
  meterId: string;
  reason: RegistryRejectReason;
  /** The row's text, without its line terminator. */
  raw: string;
}

/** The meters of a registry file and its rejected rows. */
export interface MeterRegistry {
  meters: MeterRecord[];
  rejected: RegistryRejection[];
}

/** The meters of a registry file as columns, and its rejected rows. */
export interface RegistryColumns {
  table: RegistryTable;
  rejected: RegistryRejection[];
  /** Some row lacked a registry column: the CSV header has not every one, or an NDJSON record lacked a key. */
  partial: boolean;
  /** The earliest `last_end` rejected for lying after `latestDay` (Infinity: none). */
  futureFrom: number;
}

/** Options of readMeters. */
export interface ReadMetersOptions {
  /** The file's format; by default chosen by extension (another extension is refused). */
  format?: "csv" | "ndjson";
  /** Longest field in bytes; default 1024. */
  maxFieldBytes?: number;
  /** Longest record in bytes; default 64 KiB. */
  maxRecordBytes?: number;
  /**
   * The plugins' meter types: a row's empty columns take its type's defaults, and a type no
   * plugin defines is rejected `unknown_meter_type`. Without it types are taken as written.
   */
  meterTypes?: MeterTypeLookup;
  /**
   * The meters already imported (a re-import): a column a row lacks (not in the CSV header, not
   * a key of the NDJSON record) keeps the meter's stored value (registry-keep.ts).
   */
  stored?: StoredMeters;
  /**
   * The last day (days since 1970-01-01) a `last_end` may be; later is `bad_last_end`. Default:
   * tomorrow in this thread's time zone (a registry exported in a zone ahead of the store's).
   */
  latestDay?: number;
}

/**
 * Reads and validates a meter registry file.
 * @example
 *   const { meters, rejected } = await readMeters("meters.csv");
 */
export async function readMeters(path: string, options: ReadMetersOptions = {}): Promise<MeterRegistry> {
  const { table, rejected } = await readRegistry(path, options);
  return { meters: table.records(), rejected };
}

/** What readRegistry tells as it reads. */
export interface RegistryReadHooks {
  /** Every chunk of the file's bytes, in order (the import hashes them). */
  onBytes?: (chunk: Uint8Array) => void;
  /** Rows `[from, to)` of the table are read and final (at least `rowsPerCall` at a time, the rest at the end). */
  onRows?: (table: RegistryTable, from: number, to: number) => void;
  rowsPerCall?: number;
}

/**
 * Reads and validates a meter registry file into columns.
 * @example
 *   const { table, rejected } = await readRegistry("meters.csv");
 */
export async function readRegistry(path: string, options: ReadMetersOptions = {}, hooks: RegistryReadHooks = {}): Promise<RegistryColumns> {
  const { onBytes, onRows } = hooks;
  const rowsPerCall = hooks.rowsPerCall ?? 1 << 15;
  const maxField = options.maxFieldBytes ?? 1024;
  const maxRecord = options.maxRecordBytes ?? 64 * 1024;
  const format = options.format ?? registryFormat(path);
  const handle = await openFile(path);
  try {
    checkFileLooks(path, format, `meter registry ${path}`);
    const input = { ascii: true };
    let first = true;
    // Lent chunks (readFileChunks): the CSV and NDJSON readers copy them into their windows.
    const chunks = readFileChunks(handle, path, 1 << 20, (chunk) => {
      onBytes?.(chunk);
      // A UTF-8 byte order mark is not content: the CSV tokenizer drops it.
      const bom = first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
      first = false;
      if (input.ascii && !isAscii(bom ? chunk.subarray(3) : chunk)) input.ascii = false;
    });
    // Room for the file's meters at once (a guess from its size): grown from 1,024 rows, a
    // million meters' columns, ids and id set were copied some ten times each, on the reading
    // thread that an import waits for. A guess too high costs address space, not memory: pages
    // never written are never mapped.
    const expected = expectedRows((await handle.stat()).size);
    const table = new RegistryTable(expected, expected * 16);
    const ids = new IdSet(table, expected);
    const sink: RegistryColumns = { table, rejected: [], partial: false, futureFrom: Number.POSITIVE_INFINITY };
    const seen = ids.strings();
    const stored = options.stored;
    const dates: LastEndBound = { latest: options.latestDay ?? today() + 1, firstFuture: Number.POSITIVE_INFINITY };
    const row = (get: FieldGetter, line: number, raw: () => string): void => {
      const result = toMeterRecord(stored === undefined ? get : keepStored(get, stored, options.meterTypes), seen, maxField, options.meterTypes, dates);
      if (typeof result === "string") sink.rejected.push({ line, meterId: meterIdOf(get), reason: result, raw: raw() });
      else table.pushRecord(result);
    };
    const reject = (line: number, meterId: string, reason: RegistryRejectReason, raw: string): void => {
      sink.rejected.push({ line, meterId, reason, raw });
    };
    // The byte path (rows over stored ones go through toMeterRecord instead: csvRows).
    const fast = (columns: ReadonlyMap<string, number>) => new CsvRegistryRows(columns, table, ids, maxField, options.meterTypes, dates);
    const partial = () => {
      sink.partial = true;
    };
    let sent = 0;
    const rows = (end: boolean) => {
      if (onRows !== undefined && table.length > sent && (end || table.length - sent >= rowsPerCall)) {
        onRows(table, sent, table.length);
        sent = table.length;
      }
    };
    await readRows(chunks, format, { maxRecord, maxField, input, fast, partial, stored }, path, row, reject, rows);
    rows(true);
    sink.futureFrom = dates.firstFuture;
    return sink;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Checks the header of the registry file `path` as readRegistry will, reading only its first
 * record: rejects IngestError `MF_ERR_INPUT_FORMAT` for a name that is neither .csv nor .ndjson
 * or .jsonl, `MF_ERR_INPUT_HEADER` for a CSV registry without a usable header (none at all
 * included) or a file whose start shows another format, `MF_ERR_INPUT_OPEN` /
 * `MF_ERR_INPUT_READ` when it cannot be read. An NDJSON registry's first record is its header.
 * @example
 *   checkRegistryHeader("meters.csv"); // before a store is opened
 */
export function checkRegistryHeader(path: string, options: Pick<ReadMetersOptions, "format" | "maxRecordBytes"> = {}): void {
  const format = options.format ?? registryFormat(path);
  checkFileLooks(path, format, `meter registry ${path}`);
  if (format === "ndjson") {
    // Its first record's keys, as a CSV header's names: a misspelt known column is refused.
    const keys = firstNdjsonKeys(path, options.maxRecordBytes ?? 64 * 1024);
    const misspelt = keys === null ? "" : misspeltColumns(keys, FIELDS, "the first record");
    if (misspelt !== "") throw new IngestError("MF_ERR_INPUT_HEADER", `meter registry ${path}: ${misspelt}`);
    return;
  }
  const tok = firstCsvRecord(path, options.maxRecordBytes ?? 64 * 1024);
  if (tok === null) throw new IngestError("MF_ERR_INPUT_HEADER", `meter registry ${path} has no header row`);
  registryHeader(tok, path);
}

/**
 * Whether every row of the registry file `path` gives every registry column: its CSV header names
 * them all (an NDJSON record may lack keys: false). Read from the first record alone.
 */
export function hasEveryRegistryColumn(path: string): boolean {
  if (formatByName(path) !== "csv") return false;
  const tok = firstCsvRecord(path, 64 * 1024);
  if (tok === null || tok.malformed) return false;
  const names = new Set<string>();
  for (let i = 0; i < tok.count; i++) names.add(tok.fieldString(i));
  return FIELDS.every((name) => names.has(name));
}

/** The registry format its name says, if it says one. */
function formatByName(path: string): "csv" | "ndjson" | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".ndjson") || lower.endsWith(".jsonl")) return "ndjson";
  return undefined;
}

/**
 * The registry format `path`'s extension names; IngestError `MF_ERR_INPUT_FORMAT` for another
 * (a readings file's is refused so too): a registry is read by its name, never guessed.
 */
function registryFormat(path: string): "csv" | "ndjson" {
  const format = formatByName(path);
  if (format !== undefined) return format;
  const json = extname(path).toLowerCase() === ".json"
    ? " (a .json file: meterflow reads NDJSON, one JSON object per line, not a JSON array)" : "";
  throw new IngestError("MF_ERR_INPUT_FORMAT", `cannot tell the format of meter registry ${path}: name it .csv, or .ndjson or .jsonl${json}`);
}

/** A guess at a registry file's rows from its size: one per 32 bytes (a line of id, type and unit is ~35), at least 1,024, at most 16M. */
function expectedRows(bytes: number): number {
  return Math.max(1024, Math.min(Math.floor(bytes / 32), 1 << 24));
}

type RowSink = (get: FieldGetter, line: number, raw: () => string) => void;
/** Longest record (CSV record, NDJSON line) and longest field, in bytes; the CSV byte path. */
interface Limits {
  maxRecord: number;
  maxField: number;
  /** `ascii`: every byte read so far is ASCII. */
  input: { ascii: boolean };
  /** The CSV byte path. */
  fast: (columns: ReadonlyMap<string, number>) => CsvRegistryRows;
  /** Meters whose rows are read over their stored ones (through toMeterRecord, not the byte path). */
  stored: StoredMeters | undefined;
  /** Called when a row lacks a registry column (a CSV header without one: once). */
  partial: () => void;
}
type RejectSink = (line: number, meterId: string, reason: RegistryRejectReason, raw: string) => void;

async function readRows(
  chunks: AsyncIterable<Uint8Array>,
  format: "csv" | "ndjson",
  limits: Limits,
  path: string,
  row: RowSink,
  reject: RejectSink,
  read: (end: boolean) => void,
): Promise<void> {
  let decoder: ((chunk: Uint8Array | null) => void) | null = null;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    decoder ??= format === "ndjson" ? ndjsonRows(limits, row, reject) : csvRows(limits, path, row, reject);
    decoder(chunk);
    read(false);
  }
  decoder ??= format === "ndjson" ? ndjsonRows(limits, row, reject) : csvRows(limits, path, row, reject);
  decoder(null);
}

/** A CSV row decoder: push chunks, then null at the end. */
function csvRows({ maxRecord, maxField, input, fast, partial, stored }: Limits, path: string, row: RowSink, reject: RejectSink): (chunk: Uint8Array | null) => void {
  // Every record is read whole before the next chunk comes (ids copied into the table's arena,
  // strings made as needed): the window may reuse its storage (fresh memory costs, window.ts).
  const tok = new CsvTokenizer({ maxRecordBytes: maxRecord, reuseWindow: true });
  let columns: Map<string, number> | null = null;
  let rows: CsvRegistryRows | null = null;
  let idAt = 0;
  const raw = () => tok.rawString();
  let width = 0;
  const get: FieldGetter = (name) => {
    const i = columns?.get(name);
    return i === undefined ? undefined : tok.fieldString(i);
  };
  const drain = (): void => {
    while (tok.next()) {
      if (columns === null) {
        columns = registryHeader(tok, path);
        width = tok.count;
        rows = fast(columns);
        idAt = columns.get("meter_id") as number;
        if (columns.size < FIELDS.length) partial();
      } else if (tok.malformed) {
        // A line cut at the record limit inside a huge field is that field's fault, as in readings.
        let longest = 0;
        for (let i = 0; i < tok.count; i++) longest = Math.max(longest, tok.fieldEnd[i] - tok.fieldStart[i]);
        const i = columns.get("meter_id") ?? tok.count;
        const id = tok.overlong && i < tok.count - 1 && tok.fieldEnd[i] - tok.fieldStart[i] <= maxField ? tok.fieldString(i) : "";
        reject(tok.line, id, tok.overlong && longest > maxField ? "field_too_long" : "malformed_record", tok.rawString());
      } else if (tok.count !== width) {
        const i = columns.get("meter_id") ?? width;
        reject(tok.line, i < tok.count ? tok.fieldString(i) : "", "column_count", tok.rawString());
      } else {
        const result = stored !== undefined && stored.has(tok.fieldString(idAt)) ? SLOW : (rows as CsvRegistryRows).row(tok, input.ascii);
        if (result === SLOW) row(get, tok.line, raw);
        else if (result !== null) reject(tok.line, meterIdOf(get), result, tok.rawString());
      }
    }
  };
  return (chunk) => {
    if (chunk !== null) {
      tok.push(chunk);
      drain();
      return;
    }
    tok.finish();
    drain();
    if (columns === null) throw new IngestError("MF_ERR_INPUT_HEADER", `meter registry ${path} has no header row`);
  };
}

/** Positions of the registry columns in a CSV header; unknown columns are ignored. */
function registryHeader(tok: CsvTokenizer, path: string): Map<string, number> {
  if (tok.malformed) throw new IngestError("MF_ERR_INPUT_HEADER", `meter registry ${path}: the header row is malformed${jsonHint(tok.rawString())}`);
  const columns = new Map<string, number>();
  const names: string[] = [];
  for (let i = 0; i < tok.count; i++) {
    const name = tok.fieldString(i);
    names.push(name);
    if (!(FIELDS as readonly string[]).includes(name)) continue;
    if (columns.has(name)) throw new IngestError("MF_ERR_INPUT_HEADER", `meter registry ${path}: column "${name}" appears twice`);
    columns.set(name, i);
  }
  if (!columns.has("meter_id")) {
    throw new IngestError("MF_ERR_INPUT_HEADER", `meter registry ${path}: the header lacks column "meter_id"${headerHint(names, ["meter_id"])}`);
  }
  const misspelt = misspeltColumns(names, FIELDS);
  if (misspelt !== "") throw new IngestError("MF_ERR_INPUT_HEADER", `meter registry ${path}: ${misspelt}`);
  return columns;
}

const KNOWN: ReadonlySet<string> = new Set(FIELDS);

/** An NDJSON row decoder: push chunks, then null at the end. */
function ndjsonRows({ maxRecord, maxField, partial }: Limits, row: RowSink, reject: RejectSink): (chunk: Uint8Array | null) => void {
  const lines = new LineReader(maxRecord);
  const drain = (): void => {
    while (lines.next()) {
      const text = utf8.decode(lines.buf.subarray(lines.start, lines.end));
      if (text.trim() === "" && !lines.overlong) continue;
      let record: unknown;
      try {
        record = lines.overlong ? undefined : JSON.parse(text);
      } catch {
        record = undefined;
      }
      if (record === null || typeof record !== "object" || Array.isArray(record)) {
        const tooLong = lines.overlong && longestToken(lines.buf, lines.start, lines.end, true) > maxField;
        reject(lines.line, "", tooLong ? "field_too_long" : "malformed_record", text);
        continue;
      }
      const fields = record as Record<string, unknown>;
      if (FIELDS.some((name) => !Object.hasOwn(fields, name))) partial();
      // A known column in another spelling (`"Scaling_Factor"`) would be ignored: the first
      // record's is refused with the file (checkRegistryHeader), a later one's row rejected.
      if (Object.keys(fields).some((key) => isMisspelt(key, KNOWN))) {
        reject(lines.line, meterIdOf((name) => fields[name]), "misspelt_column", text);
        continue;
      }
      row((name) => (Object.hasOwn(fields, name) ? fields[name] : undefined), lines.line, () => text);
    }
  };
  return (chunk) => {
    if (chunk === null) lines.finish();
    else lines.push(chunk);
    drain();
  };
}
