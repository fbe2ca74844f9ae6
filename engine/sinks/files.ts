// File outputs of `meterflow run`: billing, held, rejected and alerts as CSV (or NDJSON), and
// summary.json. Each file is written as NAME.partial and renamed when the run completes, so a
// reader never sees half a run.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { flagNames } from "../flags/flags.js";
import { csv, day, flagText, num } from "./format.js";
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
  #parts: string[] = [];
  #size = 0;

  constructor(path: string, header: string | undefined) {
    this.#path = path;
    this.#fd = openSync(`${path}.partial`, "w");
    if (header !== undefined) this.line(header);
  }

  line(text: string): void {
    this.#parts.push(text, "\n");
    this.#size += text.length + 1;
    if (this.#size >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.#size === 0) return;
    writeSync(this.#fd, this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
  }

  publish(): void {
    this.flush();
    closeSync(this.#fd);
    renameSync(`${this.#path}.partial`, this.#path);
  }

  discard(): void {
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
  const rowLine = format === "csv" ? csvRow : jsonRow;
  return {
    billing: (r) => writers.billing.line(rowLine(r)),
    held: (r, reasons) => writers.held.line(format === "csv" ? `${csvRow(r)},${reasons}` : jsonRow(r, reasons)),
    rejected: (r: RejectedRow) => writers.rejected.line(format === "csv"
      ? `${r.sourceLine},${csv(r.meterId)},${r.reason},${csv(r.raw)}`
      : JSON.stringify({ source_line: r.sourceLine, meter_id: r.meterId, reason: r.reason, raw: r.raw })),
    close(summary) {
      for (const w of Object.values(writers)) w.publish();
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

function csvRow(r: OutputRow): string {
  const start = r.start === r.start ? day(r.start) : "";
  return `${csv(r.readingId)},${csv(r.meterId)},${start},${day(r.end)},${r.days},${num(r.previous)},` +
    `${num(r.current)},${num(r.consumption)},${num(r.daily)},${flagText(r.flags)}`;
}

function jsonRow(r: OutputRow, reasons?: string): string {
  return JSON.stringify({
    reading_id: r.readingId, meter_id: r.meterId, start: r.start === r.start ? day(r.start) : null,
    end: day(r.end), days: r.days, previous: r.previous === r.previous ? r.previous : null, current: r.current,
    consumption: r.consumption, daily: r.daily, flags: flagNames(r.flags), ...(reasons === undefined ? {} : { reasons: reasons.split("|") }),
  });
}
