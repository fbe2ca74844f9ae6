// What a run tells a progress display: the input files and their sizes, how far into each it is
// (in bytes), and each file's totals when it is done.
import { open } from "node:fs/promises";
import { extname } from "node:path";
import type { ReadingBatch } from "../ingest/batch.js";
import { fileOfLine, lineInFile } from "../ingest/source-line.js";

/** An input file's totals once it is done. */
export interface InputDone {
  bytes: number;
  /** Rows (readings and sensor rows) the file gave; of a pulse-events file, the day readings its events gave. */
  rows: number;
  /** A pulse-events file's rows as written (pulses, samples and rejected rows). */
  events?: number;
  seconds: number;
}

/** Receives a run's progress; every method is synchronous and cheap. */
export interface InputProgress {
  begin(files: ReadonlyArray<{ path: string; bytes: number }>): void;
  /** `bytes` read of `path` so far; `rows` of the run so far. */
  advance(path: string, bytes: number, rows: number): void;
  fileDone(path: string, done: InputDone): void;
  /** The run ended (finished or failed): clear whatever is drawn. */
  end(): void;
}

/**
 * For a file decoded in another thread (whose byte position this thread does not see): an
 * estimate of the bytes read from the highest source line reached, at the average line length
 * of the file's first 256 KiB. Not for msgpack, which has no lines: 0 until the file is done.
 */
export async function linePosition(path: string, bytes: number): Promise<(line: ArrayLike<number>, length: number) => number> {
  const ext = extname(path).toLowerCase();
  if (ext === ".msgpack" || ext === ".mpk") return () => 0;
  const handle = await open(path, "r");
  let perLine = 0;
  try {
    const sample = Buffer.alloc(Math.min(bytes, 256 << 10));
    const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
    let lines = 0;
    for (let i = sample.indexOf(10); i >= 0 && i < bytesRead; i = sample.indexOf(10, i + 1)) lines++;
    perLine = lines === 0 ? bytes : bytesRead / lines;
  } finally {
    await handle.close();
  }
  let reached = 0;
  return (line, length) => {
    for (let i = 0; i < length; i++) if (line[i] > reached) reached = line[i];
    return Math.min(bytes, Math.round(reached * perLine));
  };
}

/**
 * The rows of each file of a group a decoding thread routes together, and for the progress
 * display how far into each file its batches have reached (each row's line names its file:
 * ingest/source-line.ts).
 */
export class GroupFiles {
  /** Rows per file so far. */
  readonly rows: Float64Array;
  readonly #files: ReadonlyArray<{ path: string; bytes: number }>;
  readonly #tracked: boolean;
  /** Per file: its linePosition once a batch has reached it and it is read (undefined before). */
  readonly #positions: Array<((line: ArrayLike<number>, length: number) => number) | undefined>;
  readonly #asked: Uint8Array;
  readonly #highest: Float64Array;

  /**
   * `tracked`: `reached` estimates bytes (each file's linePosition, taken when a batch first
   * reaches it: a run of a thousand small files does not open them all at once).
   */
  constructor(files: ReadonlyArray<{ path: string; bytes: number }>, tracked: boolean) {
    this.#files = files;
    this.#tracked = tracked;
    this.rows = new Float64Array(files.length);
    this.#positions = new Array(files.length).fill(undefined);
    this.#asked = new Uint8Array(files.length);
    this.#highest = new Float64Array(files.length);
  }

  add(batch: Pick<ReadingBatch, "length" | "line">): void {
    const { rows } = this;
    const highest = this.#highest;
    for (let row = 0; row < batch.length; row++) {
      const f = fileOfLine(batch.line[row]);
      const line = lineInFile(batch.line[row]);
      rows[f]++;
      if (line > highest[f]) highest[f] = line;
    }
    if (!this.#tracked) return;
    for (let f = 0; f < this.#files.length; f++) {
      if (highest[f] === 0 || this.#asked[f] !== 0) continue;
      this.#asked[f] = 1;
      const { path, bytes } = this.#files[f];
      // A file that cannot be sampled shows no progress of its own (reading it reports the error).
      linePosition(path, bytes).then((position) => (this.#positions[f] = position), () => undefined);
    }
  }

  /** Each file its batches have reached so far, with the bytes read (estimated; 0 until sampled). */
  reached(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    if (!this.#tracked) return out;
    for (let f = 0; f < this.#files.length; f++) {
      if (this.#highest[f] === 0) continue;
      const position = this.#positions[f];
      out.push([this.#files[f].path, position === undefined ? 0 : position([this.#highest[f]], 1)]);
    }
    return out;
  }
}
