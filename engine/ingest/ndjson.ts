// Readings from NDJSON: one JSON object per line with the CSV column names as keys. Values may
// be numbers or strings ("value": "12.5"); `verification` a boolean or a string. A line that is
// not a JSON object is `malformed_record`; the other rejections are the CSV reader's.
import type { ReadingBatch } from "./batch.js";
import { BatchBuilder } from "./builder.js";
import { anyTooLong, writeValues } from "./fields.js";
import { LineReader } from "./lines.js";
import { resolveReadOptions } from "./options.js";
import type { ReadReadingsOptions, ResolvedReadOptions } from "./options.js";
import { REJECT } from "./reasons.js";

const utf8 = new TextDecoder("utf-8");

/**
 * Decodes NDJSON readings into batches of up to `batchSize` rows; blank lines are skipped.
 * Bad lines become rejected rows with their reason and raw line, never errors. Each yielded
 * batch is a fresh object with its own columns.
 */
export async function* readNdjsonReadings(
  stream: AsyncIterable<Uint8Array>,
  options: ReadReadingsOptions,
): AsyncGenerator<ReadingBatch> {
  const o = resolveReadOptions(options);
  const lines = new LineReader(o.maxRecordBytes);
  const b = new BatchBuilder(o.batchSize, o.meters, "bytes");
  const fill = (): boolean => {
    while (lines.next()) {
      if (blank(lines.buf, lines.start, lines.end) && !lines.overlong) continue;
      decodeLine(lines, b, o);
      if (b.rows === b.capacity) return true;
    }
    return false;
  };
  for await (const chunk of stream) {
    lines.push(chunk);
    while (fill()) yield b.finish();
  }
  lines.finish();
  while (fill()) yield b.finish();
  if (b.rows > 0) yield b.finish();
}

function decodeLine(lines: LineReader, b: BatchBuilder, o: ResolvedReadOptions): void {
  const r = b.rows++;
  b.line[r] = lines.line;
  b.rawSegment[r] = b.segment(lines.buf);
  b.rawStart[r] = lines.start;
  b.rawEnd[r] = lines.end;
  const text = utf8.decode(lines.buf.subarray(lines.start, lines.end));
  let record: unknown;
  if (!lines.overlong) {
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
  }
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    b.rejectRow(r, REJECT.malformed_record, text);
    return;
  }
  const fields = record as Record<string, unknown>;
  const reason = writeValues(b, r, fields, anyTooLong(fields, o.maxFieldBytes), o);
  if (reason !== 0) b.rejectedRaw.set(r, text);
}

function blank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
