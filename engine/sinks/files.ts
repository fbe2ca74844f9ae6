// File outputs of `meterflow run`: billing, held, rejected and alerts as CSV (or NDJSON), and
// summary.json. Each file is written as NAME.partial and renamed when the run completes, so a
// reader never sees half a run.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, write, writeSync } from "node:fs";
import { join } from "node:path";
import { flagNames } from "../flags/flags.js";
import { CsvRowEncoder } from "./csv-bytes.js";
import { csv, day, flagText, num, readingId } from "./format.js";
import type { OutputRow, RejectedRow, Sinks } from "./types.js";

/** Output format of the row files. */
export type OutputFormat = "csv" | "ndjson";

const ROW_COLUMNS = "reading_id,meter_id,start,end,days,previous,current,consumption,daily,flags";
const HEADERS = {
  billing: ROW_COLUMNS,
  held: `${ROW_COLUMNS},reasons`,
  rejected: "source_line,meter_id,reason,raw",
  alerts: "meter_id,end,channel,severity,rule,message",
} as const;

type Kind = keyof typeof HEADERS;

const FLUSH_AT = 1 << 20;

class Writer {
  readonly #path: string;
  readonly #fd: number;
  #text = "";
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #inFlight = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(path: string, header: string | undefined) {
    this.#path = path;
    this.#fd = openSync(`${path}.partial`, "w");
    if (header !== undefined) this.line(header);
  }

  line(text: string): void {
    this.append(`${text}\n`);
  }

  /** Appends text that already ends with a line break. */
  append(text: string): void {
    if (this.#pendingBytes > 0) this.flush();
    this.#text += text;
    if (this.#text.length >= FLUSH_AT) this.flush();
  }

  /** Appends encoded lines; copied, since callers reuse their buffers. */
  appendBytes(bytes: Uint8Array): void {
    if (this.#text.length > 0) this.flush();
    this.#pending.push(Uint8Array.prototype.slice.call(bytes));
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= FLUSH_AT) this.flush();
  }

  /**
   * Hands what is buffered to the file system without waiting: writes run in libuv's thread
   * pool, in order, while the pipeline computes the next batch.
   */
  flush(): void {
    const chunks = this.#pending;
    if (this.#text.length > 0) chunks.push(Buffer.from(this.#text));
    if (chunks.length === 0) return;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#text = "";
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    this.#inFlight += bytes;
    this.#queue = this.#queue.then(async () => {
      for (const c of chunks) await writeAll(this.#fd, c);
      this.#inFlight -= bytes;
    });
  }

  /** Bytes handed to the file system and not yet written. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves when every write handed over so far is done (rejects with the first write error). */
  drain(): Promise<void> {
    return this.#queue;
  }

  async publish(): Promise<void> {
    this.flush();
    await this.#queue;
    closeSync(this.#fd);
    renameSync(`${this.#path}.partial`, this.#path);
  }

  discard(): void {
    this.#queue.catch(() => undefined);
    closeSync(this.#fd);
    rmSync(`${this.#path}.partial`, { force: true });
  }
}

/** Creates the output directory's files. Throws when the directory cannot be written. */
export function createFileSinks(dir: string, format: OutputFormat = "csv"): Sinks {
  mkdirSync(dir, { recursive: true });
  const ext = format === "csv" ? "csv" : "ndjson";
  const writers = {} as Record<Kind, Writer>;
  for (const kind of Object.keys(HEADERS) as Kind[]) {
    writers[kind] = new Writer(join(dir, `${kind}.${ext}`), format === "csv" ? HEADERS[kind] : undefined);
  }
  const formatRow = format === "csv" ? csvRow : jsonRow;
  const line = (r: OutputRow) => formatRow(r.meterId, r.start, r.end, r.days, r.previous, r.current, r.consumption, r.daily, r.flags);
  const encoder = new CsvRowEncoder();
  return {
    encodeBilling: format === "csv"
      ? (lines, ...row) => encoder.encode(lines, ...row)
      : (lines, _key, ...row) => lines.push(jsonRow(...row)),
    appendBilling: (lines) => writers.billing.appendBytes(lines),
    billing: (r) => writers.billing.line(line(r)),
    held: (r, reasons) => writers.held.line(format === "csv"
      ? `${line(r)},${reasons}`
      : jsonRow(r.meterId, r.start, r.end, r.days, r.previous, r.current, r.consumption, r.daily, r.flags, reasons)),
    rejected: (r: RejectedRow) => writers.rejected.line(format === "csv"
      ? `${r.sourceLine},${csv(r.meterId)},${r.reason},${csv(r.raw)}`
      : JSON.stringify({ source_line: r.sourceLine, meter_id: r.meterId, reason: r.reason, raw: r.raw })),
    async drain(limit) {
      for (const w of Object.values(writers)) if (w.inFlight > limit) await w.drain();
    },
    async close(summary) {
      for (const w of Object.values(writers)) await w.publish();
      const tmp = join(dir, "summary.json.partial");
      const fd = openSync(tmp, "w");
      writeSync(fd, `${JSON.stringify(summary, null, 2)}\n`);
      closeSync(fd);
      renameSync(tmp, join(dir, "summary.json"));
    },
    abort() {
      for (const w of Object.values(writers)) w.discard();
    },
  };
}

/** Writes all of `bytes` at the file's current position. */
function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (from: number) => write(fd, bytes, from, bytes.length - from, null, (error, written) => {
      if (error) reject(error);
      else if (from + written < bytes.length) step(from + written);
      else resolve();
    });
    step(0);
  });
}

function csvRow(meterId: string, start: number, end: number, days: number, previous: number, current: number,
  consumption: number, daily: number, flags: number): string {
  const id = csv(meterId);
  const endText = day(end);
  const reading = id === meterId ? `${id}@${endText}` : csv(`${meterId}@${endText}`);
  return `${reading},${id},${start === start ? day(start) : ""},${endText},${days},${num(previous)},` +
    `${num(current)},${num(consumption)},${num(daily)},${flagText(flags)}`;
}

function jsonRow(meterId: string, start: number, end: number, days: number, previous: number, current: number,
  consumption: number, daily: number, flags: number, reasons?: string): string {
  return JSON.stringify({
    reading_id: readingId(meterId, end), meter_id: meterId, start: start === start ? day(start) : null,
    end: day(end), days, previous: previous === previous ? previous : null, current,
    consumption, daily, flags: flagNames(flags), ...(reasons === undefined ? {} : { reasons: reasons.split("|") }),
  });
}
