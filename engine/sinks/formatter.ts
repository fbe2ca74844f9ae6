// Output rows as lines: billing, held and rejected records in CSV or NDJSON, appended to
// LineBuffers. The pipeline formats a batch's lines where it computes them; the writer only
// commits and writes bytes.
import { CsvRowEncoder } from "./csv-bytes.js";
import type { OutputFormat } from "./files.js";
import { csv, day, flagText, num } from "./format.js";
import { jsonRow } from "./json-row.js";
import type { LineBuffer } from "./line-buffer.js";
import { NdjsonRowEncoder } from "./ndjson-bytes.js";
import type { OutputRow, RejectedRow } from "./types.js";
import { writeUtf8 } from "./utf8.js";

/** Formats rows of one output format. */
export interface RowFormatter {
  /**
   * A billing row, field by field so the hot path builds no object or string per reading; its
   * meter id is the UTF-8 bytes `ids[idFrom, idTo)`.
   */
  billing(lines: LineBuffer, ids: Uint8Array, idFrom: number, idTo: number, start: number, end: number, days: number,
    previous: number, current: number, consumption: number, daily: number, flags: number): void;
  held(lines: LineBuffer, row: OutputRow, reasons: string): void;
  rejected(lines: LineBuffer, row: RejectedRow): void;
  alert(lines: LineBuffer, row: AlertLine): void;
}

/** A row of alerts.csv (days are day numbers). */
export interface AlertLine {
  meterId: string;
  end: number;
  channel: string;
  severity: string;
  rule: string;
  message: string;
}

/** The formatter of `format`. */
export function createFormatter(format: OutputFormat): RowFormatter {
  if (format === "ndjson") {
    const encoder = new NdjsonRowEncoder();
    return {
      billing: encoder.encode.bind(encoder),
      held: (lines, r, reasons) => lines.push(jsonRow(r.meterId, r.start, r.end, r.days, r.previous, r.current, r.consumption, r.daily, r.flags, reasons)),
      rejected: (lines, r) => lines.push(JSON.stringify({ source_line: r.sourceLine, meter_id: r.meterId, reason: r.reason, raw: r.raw, file: r.file ?? "" })),
      alert: (lines, a) => lines.push(JSON.stringify({ meter_id: a.meterId, end: day(a.end), channel: a.channel, severity: a.severity, rule: a.rule, message: a.message })),
    };
  }
  const encoder = new CsvRowEncoder();
  const id = new IdBytes();
  // Reasons lists repeat (a few names): their bytes once each, as a CSV field (a rule's reason
  // may hold a comma, a quote or a line break: RFC 4180 quoting, as every text field).
  const reasonBytes = new Map<string, Uint8Array>();
  return {
    billing: encoder.encode.bind(encoder),
    // A held row is a billing row and its reasons, encoded as bytes.
    held: (lines, r, reasons) => {
      let bytes = reasonBytes.get(reasons);
      if (bytes === undefined) {
        if (reasonBytes.size >= 1024) reasonBytes.clear();
        reasonBytes.set(reasons, (bytes = Buffer.from(csv(reasons), "utf8")));
      }
      const n = id.set(r.meterId);
      encoder.encode(lines, id.bytes, 0, n, r.start, r.end, r.days, r.previous, r.current, r.consumption, r.daily, r.flags, bytes);
    },
    rejected: (lines, r) => lines.push(`${r.sourceLine},${csv(r.meterId)},${csv(r.reason)},${csv(r.raw)},${csv(r.file ?? "")}`),
    alert: (lines, a) => lines.push(`${csv(a.meterId)},${day(a.end)},${csv(a.channel)},${csv(a.severity)},${csv(a.rule)},${csv(a.message)}`),
  };
}

/** A meter id's UTF-8 bytes in a reused buffer. */
class IdBytes {
  bytes = new Uint8Array(256);

  /** Writes `id`'s UTF-8 bytes at the start of `bytes`; returns their count. */
  set(id: string): number {
    if (this.bytes.length < id.length * 3) this.bytes = new Uint8Array(id.length * 3);
    return writeUtf8(id, this.bytes, 0);
  }
}

/** A billing or held row as CSV, as strings: the specification the byte encoder is tested against. */
export function csvRow(meterId: string, start: number, end: number, days: number, previous: number, current: number,
  consumption: number, daily: number, flags: number): string {
  const id = csv(meterId);
  const endText = day(end);
  const reading = id === meterId ? `${id}@${endText}` : csv(`${meterId}@${endText}`);
  return `${reading},${id},${start === start ? day(start) : ""},${endText},${days},${num(previous)},` +
    `${num(current)},${num(consumption)},${num(daily)},${csv(flagText(flags))}`;
}


export { jsonRecord, jsonRow } from "./json-row.js";
