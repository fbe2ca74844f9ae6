// File outputs of `meterflow run`: billing, held, rejected and alerts as CSV (or NDJSON), and
// summary.json. Each file is written as NAME.partial and renamed when the run completes, so a
// reader never sees half a run; the other format's row files an earlier run left there go then,
// so a reader never takes an older run's billing.csv beside this run's billing.ndjson.
import { closeSync, openSync, renameSync, rmSync, write, writeSync } from "node:fs";
import { join } from "node:path";
import { METERS_REJECTED } from "./meters-rejected.js";
import { prepareOutDir } from "./out-dir.js";

/** Output format of the row files. */
export type OutputFormat = "csv" | "ndjson";

const ROW_COLUMNS = "reading_id,meter_id,start,end,days,previous,current,consumption,daily,flags";
/** The header row of each row file in CSV (its column names): also what names the columns of a CSV output message on NATS. */
export const HEADERS = {
  billing: ROW_COLUMNS,
  held: `${ROW_COLUMNS},reasons`,
  rejected: "source_line,meter_id,reason,raw,file",
  alerts: "meter_id,end,channel,severity,rule,message",
} as const;

/** An output file. */
export type Kind = keyof typeof HEADERS;

const FLUSH_AT = 1 << 20;

class Writer {
  readonly #path: string;
  readonly #fd: number;
  readonly #sync: boolean;
  #closed = false;
  #text = "";
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #inFlight = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(path: string, header: string | undefined, sync: boolean) {
    this.#path = path;
    this.#fd = openSync(`${path}.partial`, "w");
    this.#sync = sync;
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

  /** Appends encoded lines; copied, since callers reuse their buffers (written at once when `sync`). */
  appendBytes(bytes: Uint8Array): void {
    if (this.#text.length > 0) this.flush();
    if (this.#sync) {
      writeAllSync(this.#fd, bytes);
      return;
    }
    // One memcpy (a slice of shared memory takes a slow element-by-element path).
    const copy = Buffer.allocUnsafeSlow(bytes.length);
    copy.set(bytes);
    this.#pending.push(copy);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= FLUSH_AT) this.flush();
  }

  /**
   * Hands what is buffered to the file system without waiting: writes run in libuv's thread
   * pool, in order, while the pipeline computes the next batch (`sync`: written here, at once).
   */
  flush(): void {
    const chunks = this.#pending;
    if (this.#text.length > 0) chunks.push(Buffer.from(this.#text));
    if (chunks.length === 0) return;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#text = "";
    if (this.#sync) {
      for (const c of chunks) writeAllSync(this.#fd, c);
      return;
    }
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
    this.#close();
    renameSync(`${this.#path}.partial`, this.#path);
  }

  /** Removes the partial file, whether or not it was closed or published (a failed publish leaves it). */
  discard(): void {
    this.#queue.catch(() => undefined);
    try {
      this.#close();
    } finally {
      rmSync(`${this.#path}.partial`, { force: true });
    }
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

/** The files a run writes into its output directory in `format` (meters-rejected.csv is the import's). */
export function outputNames(format: OutputFormat, registry = false): string[] {
  const ext = format === "csv" ? "csv" : "ndjson";
  return [...(Object.keys(HEADERS) as Kind[]).map((kind) => `${kind}.${ext}`), SUMMARY, ...(registry ? [METERS_REJECTED] : [])];
}

/**
 * The row files of the format a run in `format` does not write (billing.ndjson, ... for CSV): an
 * earlier run's into the same directory, removed when this run's outputs are published.
 */
export function otherFormatNames(format: OutputFormat): string[] {
  return outputNames(format === "csv" ? "ndjson" : "csv").filter((name) => name !== SUMMARY);
}

const SUMMARY = "summary.json";

/** The output files of a run, fed with encoded lines. */
export interface OutputFiles {
  /** Appends encoded lines (copied: the caller may reuse its buffer). */
  append(kind: Kind, lines: Uint8Array): void;
  /** Waits until no more than `limit` bytes per file are still being written (backpressure). */
  drain(limit: number): Promise<void>;
  /** Flushes and publishes every file, with summary.json; removes the other format's row files (otherFormatNames). */
  close(summary: object): Promise<void>;
  /** Drops the partial files of a run that failed, all that can be removed (never throws). */
  abort(): void;
}

/**
 * Creates the output directory's files. Throws when the directory cannot be written. `sync`
 * writes each append at once, blocking (for a writer thread of its own: no copy of the lines
 * and no buffer waiting for the file system); else writes run in libuv's thread pool while the
 * caller goes on.
 */
export function createOutputFiles(dir: string, format: OutputFormat = "csv", options: { sync?: boolean } = {}): OutputFiles {
  prepareOutDir(dir, [...outputNames(format), ...otherFormatNames(format)]);
  const ext = format === "csv" ? "csv" : "ndjson";
  const writers = {} as Record<Kind, Writer>;
  try {
    for (const kind of Object.keys(HEADERS) as Kind[]) {
      writers[kind] = new Writer(join(dir, `${kind}.${ext}`), format === "csv" ? HEADERS[kind] : undefined, options.sync === true);
    }
  } catch (error) {
    discardAll(Object.values(writers));
    throw error;
  }
  const summary = join(dir, `${SUMMARY}.partial`);
  return {
    append: (kind, lines) => {
      if (lines.length > 0) writers[kind].appendBytes(lines);
    },
    async drain(limit) {
      for (const w of Object.values(writers)) if (w.inFlight > limit) await w.drain();
    },
    async close(content) {
      // Before this run's files appear: never an older run's rows of the other format beside them.
      for (const name of otherFormatNames(format)) rmSync(join(dir, name), { force: true });
      for (const w of Object.values(writers)) await w.publish();
      const fd = openSync(summary, "w");
      try {
        writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
      } finally {
        closeSync(fd);
      }
      renameSync(summary, join(dir, SUMMARY));
    },
    abort() {
      discardAll(Object.values(writers), summary);
    },
  };
}

/**
 * Removes every writer's partial file (and `other`), each whatever happens to the others: what is
 * left is only what could not be removed (a caller that must say so lists the directory). Never
 * throws: it runs while another error is on its way.
 */
function discardAll(writers: readonly Writer[], other?: string): void {
  const attempt = (step: () => void) => {
    try {
      step();
    } catch {
      // left in place: see above
    }
  };
  for (const w of writers) attempt(() => w.discard());
  if (other !== undefined) attempt(() => rmSync(other, { force: true }));
}

/** Writes all of `bytes` at the file's current position, blocking. */
function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let from = 0; from < bytes.length;) from += writeSync(fd, bytes, from, bytes.length - from);
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
