// Readings from NDJSON: one JSON object per line with the CSV column names as keys. Values may
// be numbers or strings ("value": "12.5"); `verification` a boolean or a string. A line that is
// not a JSON object is `malformed_record`; the other rejections are the CSV reader's. A value
// over the field limit is `field_too_long`, a number of 2,000 digits as much as a string, and
// so is a line over the record limit cut inside such a value.
import { blankBytes, blankText } from "./blank.js";
import type { ReadingBatch } from "./batch.js";
import { BatchBuilder } from "./builder.js";
import { anyTooLong, writeValues } from "./fields.js";
import { hasMisspeltKey } from "./key-spelling.js";
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
      if (blankBytes(lines.buf, lines.start, lines.end) && !lines.overlong) continue;
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
  // Only a line longer than the field limit can hold an overlong value.
  const longLine = lines.end - lines.start > o.maxFieldBytes;
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    const tooLong = lines.overlong && longestToken(lines.buf, lines.start, lines.end, true) > o.maxFieldBytes;
    b.rejectRow(r, tooLong ? REJECT.field_too_long : REJECT.malformed_record, text);
    if (tooLong) b.meter[r] = meterIdOf(text, o);
    return;
  }
  const fields = record as Record<string, unknown>;
  const tooLong = longLine && (anyTooLong(fields, o.maxFieldBytes) || longestToken(lines.buf, lines.start, lines.end, false) > o.maxFieldBytes);
  const reason = writeValues(b, r, fields, tooLong, o, hasMisspeltKey(fields, o.channels));
  if (reason !== 0) b.rejectedRaw.set(r, text);
}

/**
 * The longest token of a JSON line in bytes: a run of number characters, or (with `strings`) a
 * string's bytes between its quotes, escapes as written; a string cut by the end of the line
 * counts to it. Decoded strings are measured by anyTooLong: escapes make the raw text longer.
 */
export function longestToken(buf: Uint8Array, start: number, end: number, strings: boolean): number {
  let max = 0;
  let i = start;
  while (i < end) {
    const c = buf[i];
    if (c === 34) {
      const from = ++i;
      while (i < end && buf[i] !== 34) i += buf[i] === 92 ? 2 : 1;
      if (strings) max = Math.max(max, Math.min(i, end) - from);
      i++;
    } else if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69) {
      const from = i;
      while (i < end && ((buf[i] >= 48 && buf[i] <= 57) || buf[i] === 45 || buf[i] === 43 || buf[i] === 46 || buf[i] === 101 || buf[i] === 69)) i++;
      max = Math.max(max, i - from);
    } else i++;
  }
  return max;
}

/** The meter id of a line cut at the record limit, when its `meter_id` came before the cut; -1 otherwise. */
function meterIdOf(text: string, o: ResolvedReadOptions): number {
  const m = /"meter_id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)\s*[,}]/.exec(text);
  if (m === null || m[1].length > o.maxFieldBytes) return -1;
  let id: unknown;
  try {
    id = JSON.parse(m[1]);
  } catch {
    return -1;
  }
  const idText = String(id);
  return blankText(idText) ? -1 : o.meters.intern(idText);
}

