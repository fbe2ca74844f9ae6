// Readings from a file: the format chosen by extension (.csv; .ndjson or .jsonl; .msgpack or
// .mpk) unless `format` says otherwise, read in 1 MiB chunks.
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { InvalidOptionError } from "../errors.js";
import type { ReadingBatch } from "./batch.js";
import { readCsvReadings } from "./csv.js";
import { IngestError, namingInput } from "./errors.js";
import { readNdjsonReadings } from "./ndjson.js";
import type { ReadReadingsOptions } from "./options.js";
import { formatOfPath } from "./formats.js";
import type { ReadingFormat } from "./formats.js";
import { checkFileLooks } from "./looks.js";
import { markFile } from "./source-line.js";

export { formatOfPath } from "./formats.js";
export type { ReadingFormat } from "./formats.js";

/** Options of readReadings. */
export interface ReadReadingsFileOptions extends ReadReadingsOptions {
  /** The file's format; by default chosen by its extension. */
  format?: ReadingFormat;
  /** Bytes per read; default 1 MiB. */
  chunkBytes?: number;
  /** Sees every chunk of the file as it is read (to hash the input without reading it twice). */
  onBytes?: (chunk: Uint8Array) => void;
  /**
   * CSV: rows' raw text read back from the file when asked for (for a consumer that asks only
   * for rejected rows'), none kept in memory (ReadReadingsOptions.rawFile). Default false.
   */
  rawFromFile?: boolean;
}

const FORMATS: ReadonlyArray<ReadingFormat> = ["csv", "ndjson", "msgpack"];

/**
 * Streams the readings of a file as batches. Rejects with IngestError `MF_ERR_INPUT_OPEN` when
 * the file cannot be opened, `MF_ERR_INPUT_FORMAT` when its format is unknown,
 * `MF_ERR_INPUT_READ` when reading fails part-way, `MF_ERR_INPUT_HEADER` for a CSV header
 * without a required column or a file whose start shows another format (looks.ts); bad rows are
 * rejected rows, never errors.
 * @example
 *   const meters = createMeterIndex();
 *   for await (const batch of readReadings("readings.csv", { meters })) total += batch.length;
 */
export async function* readReadings(path: string, options: ReadReadingsFileOptions): AsyncGenerator<ReadingBatch> {
  const format = options.format ?? formatOfPath(path);
  if (format === null) {
    throw new IngestError(
      "MF_ERR_INPUT_FORMAT",
      `cannot tell the format of ${path}: use .csv, .ndjson, .jsonl, .msgpack or .mpk, or set the format`,
    );
  }
  if (!FORMATS.includes(format)) throw new InvalidOptionError("format", FORMATS.join(" | "), format);
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new InvalidOptionError("chunkBytes", "a positive integer", chunkBytes);
  const handle = await openFile(path);
  try {
    // A CSV file in another format is refused by its header; NDJSON and msgpack have none.
    if (format !== "csv") checkFileLooks(path, format, "readings file");
    // The decoders copy every chunk into their window (window.ts): the reader may reuse its buffers.
    const chunks = readFileChunks(handle, path, chunkBytes, options.onBytes);
    if (format === "csv") yield* readCsvReadings(chunks, options.rawFromFile === true ? { ...options, rawFile: path } : options);
    else if (format === "ndjson") yield* readNdjsonReadings(chunks, options);
    // The msgpack reader (and msgpackr) is loaded for msgpack files only.
    else yield* (await import("./msgpack.js")).readMsgpackReadings(chunks, options);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The bytes of an open file from its current position, `chunkBytes` at a time, read into two
 * buffers in turn (the next chunk is read while the caller works on this one). A chunk is lent:
 * its bytes are overwritten once the caller asks for the next one, so a caller keeps a copy of
 * what it needs (the decoders' ChunkWindow copies every chunk). A stream allocates a fresh
 * buffer per chunk, and fresh memory is what costs here: each new page is a fault when the
 * kernel fills it and another when the decoder first reads it (55 MB read and hashed, two
 * alternated runs each: 173-229 ms of CPU through a stream, 65 ms through two buffers).
 * Read errors become IngestError `MF_ERR_INPUT_READ`.
 */
export async function* readFileChunks(handle: FileHandle, path: string, chunkBytes: number, onBytes?: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
  const read = (buffer: Buffer) => handle.read(buffer, 0, chunkBytes, null).then((r) => r.bytesRead);
  let pending = read(buffers[0]);
  try {
    for (let i = 0; ; i ^= 1) {
      const bytes = await pending.catch((error: unknown) => {
        throw new IngestError("MF_ERR_INPUT_READ", `cannot read ${path}: ${(error as Error).message}`, error);
      });
      if (bytes === 0) return;
      pending = read(buffers[i ^ 1]);
      const chunk = buffers[i].subarray(0, bytes);
      onBytes?.(chunk);
      yield chunk;
    }
  } finally {
    // A caller that stops early leaves a read under way: it ends before the file is closed.
    await pending.catch(() => undefined);
  }
}

/** Opens a file for reading, or rejects with a one-line IngestError naming the path. */
export async function openFile(path: string): Promise<FileHandle> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "r");
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTFILE" });
    return handle;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new IngestError("MF_ERR_INPUT_OPEN", `cannot open ${path}: ${why}`, error);
  }
}

/** The chunks of a stream, read errors turned into IngestError `MF_ERR_INPUT_READ`. */
export async function* readChunks(stream: AsyncIterable<Uint8Array>, path: string, onBytes?: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) {
      onBytes?.(chunk);
      yield chunk;
    }
  } catch (error) {
    throw new IngestError("MF_ERR_INPUT_READ", `cannot read ${path}: ${(error as Error).message}`, error);
  }
}

/**
 * The readings of several files as one stream, in the order given (`meterflow run` routes them
 * together: a window of rows spans files). Each row's line names its file (source-line.ts);
 * `onBytes` sees each file's chunks with the file's index; a file that cannot be read fails the
 * stream with an error that names it.
 */
export async function* readInputs(paths: readonly string[], options: Omit<ReadReadingsFileOptions, "onBytes"> & {
  onBytes?: (file: number, chunk: Uint8Array) => void;
}): AsyncGenerator<ReadingBatch> {
  const { onBytes, ...rest } = options;
  for (let f = 0; f < paths.length; f++) {
    const file = f;
    try {
      for await (const batch of readReadings(paths[file], { ...rest, onBytes: onBytes === undefined ? undefined : (chunk) => onBytes(file, chunk) })) {
        markFile(batch.line, batch.length, file);
        yield batch;
      }
    } catch (error) {
      throw namingInput(error, paths[file]);
    }
  }
}
