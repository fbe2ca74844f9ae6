// The first record of a CSV file, read on its own: `meterflow run` and `meterflow meters import`
// check every input's header before they open a store or touch an output directory (README
// "`meterflow run`": nothing is written for a run that cannot go). Only the bytes up to the end of
// the first record are read (a few dozen for a header; at most the record limit and one chunk),
// so the check costs an open and one read per file, not a second decoding.
import { closeSync, openSync, readSync } from "node:fs";
import { unreadableReason } from "../errors.js";
import { IngestError } from "./errors.js";
import { DEFAULT_MAX_RECORD_BYTES } from "./options.js";
import { CsvTokenizer } from "./tokenizer.js";

/** Opens `path` for reading; IngestError `MF_ERR_INPUT_OPEN` saying why not. */
function openForCheck(path: string): number {
  try {
    return openSync(path, "r");
  } catch (error) {
    throw new IngestError("MF_ERR_INPUT_OPEN", `cannot open ${path}: ${unreadableReason(error)}`, error);
  }
}

/**
 * The first `length` bytes of `path` (fewer when it is shorter), for a look at how it starts
 * (looks.ts). Rejects IngestError `MF_ERR_INPUT_OPEN` or `MF_ERR_INPUT_READ`.
 */
export function firstBytes(path: string, length: number): Uint8Array {
  const fd = openForCheck(path);
  try {
    const head = Buffer.allocUnsafe(length);
    let filled = 0;
    try {
      for (let n; filled < length && (n = readSync(fd, head, filled, length - filled, null)) > 0;) filled += n;
    } catch (error) {
      throw new IngestError("MF_ERR_INPUT_READ", `cannot read ${path}: ${(error as Error).message}`, error);
    }
    return head.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** Bytes read at a time while looking for the end of the first record. */
const CHUNK = 1 << 16;

/**
 * A tokenizer positioned on the first record of the CSV file `path`, or null when the file holds
 * none (empty, or only blank lines). Rejects IngestError `MF_ERR_INPUT_OPEN` or `MF_ERR_INPUT_READ`.
 * @example
 *   const header = firstCsvRecord("readings.csv");
 *   if (header !== null) names = Array.from({ length: header.count }, (_, i) => header.fieldString(i));
 */
export function firstCsvRecord(path: string, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): CsvTokenizer | null {
  const fd = openForCheck(path);
  try {
    const tok = new CsvTokenizer({ maxRecordBytes });
    const chunk = Buffer.allocUnsafe(CHUNK);
    // The tokenizer ends an overlong record at the limit (as malformed): this loop ends by then.
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, CHUNK, null);
      } catch (error) {
        throw new IngestError("MF_ERR_INPUT_READ", `cannot read ${path}: ${(error as Error).message}`, error);
      }
      if (n === 0) {
        tok.finish();
        return tok.next() ? tok : null;
      }
      tok.push(chunk.subarray(0, n));
      if (tok.next()) return tok;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The keys of the first record of the NDJSON file `path` (its first line that is not blank, read
 * up to `maxRecordBytes`), or null when there is none or it is no JSON object (the run rejects
 * such a line as it reads it). Used as a CSV header is: to refuse a misspelt known key before
 * anything is written. Rejects IngestError `MF_ERR_INPUT_OPEN` or `MF_ERR_INPUT_READ`.
 */
export function firstNdjsonKeys(path: string, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): string[] | null {
  const fd = openForCheck(path);
  let text: string;
  try {
    const buf = Buffer.allocUnsafe(maxRecordBytes + CHUNK);
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } catch (error) {
      throw new IngestError("MF_ERR_INPUT_READ", `cannot read ${path}: ${(error as Error).message}`, error);
    }
    text = buf.toString("utf8", 0, n);
  } finally {
    closeSync(fd);
  }
  const line = text.replace(/^\uFEFF/, "").split("\n").find((l) => l.trim() !== "");
  if (line === undefined) return null;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : null;
  } catch {
    return null;
  }
}
