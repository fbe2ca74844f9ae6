// Output rows as lines: billing, held and rejected records in CSV or NDJSON, appended to
// LineBuffers. The pipeline formats a batch's lines where it computes them; the writer only
// commits and writes bytes.
import { flagNames } from "../flags/flags.js";
import { CsvRowEncoder } from "./csv-bytes.js";
import type { OutputFormat } from "./files.js";
import { csv, day, flagText, idText, num, readingId } from "./format.js";
import type { LineBuffer } from "./line-buffer.js";
import type { OutputRow, RejectedRow } from "./types.js";

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
    return {
      billing: (lines, ids, from, to, ...row) => lines.push(jsonRow(idText(ids, from, to), ...row)),
      held: (lines, r, reasons) => lines.push(jsonRow(r.meterId, r.start, r.end, r.days, r.previous, r.current, r.consumption, r.daily, r.flags, reasons)),
      rejected: (lines, r) => lines.push(JSON.stringify({ source_line: r.sourceLine, meter_id: r.meterId, reason: r.reason, raw: r.raw, file: r.file ?? "" })),
      alert: (lines, a) => lines.push(JSON.stringify({ meter_id: a.meterId, end: day(a.end), channel: a.channel, severity: a.severity, rule: a.rule, message: a.message })),
    };
  }
  const encoder = new CsvRowEncoder();
  return {
    billing: encoder.encode.bind(encoder),
    held: (lines, r, reasons) => lines.push(`${csvRow(r.meterId, r.start, r.end, r.days, r.previous, r.current, r.consumption, r.daily, r.flags)},${reasons}`),
    rejected: (lines, r) => lines.push(`${r.sourceLine},${csv(r.meterId)},${r.reason},${csv(r.raw)},${csv(r.file ?? "")}`),
    alert: (lines, a) => lines.push(`${csv(a.meterId)},${day(a.end)},${csv(a.channel)},${a.severity},${csv(a.rule)},${csv(a.message)}`),
  };
}

/** A billing or held row as CSV, as strings: the specification the byte encoder is tested against. */
export function csvRow(meterId: string, start: number, end: number, days: number, previous: number, current: number,
  consumption: number, daily: number, flags: number): string {
  const id = csv(meterId);
  const endText = day(end);
  const reading = id === meterId ? `${id}@${endText}` : csv(`${meterId}@${endText}`);
  return `${reading},${id},${start === start ? day(start) : ""},${endText},${days},${num(previous)},` +
    `${num(current)},${num(consumption)},${num(daily)},${flagText(flags)}`;
}

/** A number as JSON.stringify writes it (not finite: null). */
const jsonNumber = (x: number) => (Number.isFinite(x) ? String(x) : "null");

const flagJson = new Map<number, string>();
const dayJson = new Map<number, string>();

/**
 * A billing or held row as one NDJSON line: exactly what JSON.stringify of the record writes
 * (jsonRecord, tested side by side), built as a string (the worker publishes every row so).
 */
export function jsonRow(meterId: string, start: number, end: number, days: number, previous: number, current: number,
  consumption: number, daily: number, flags: number, reasons?: string): string {
  let flagText = flagJson.get(flags);
  if (flagText === undefined) flagJson.set(flags, (flagText = JSON.stringify(flagNames(flags))));
  let endText = dayJson.get(end);
  if (endText === undefined) {
    endText = day(end);
    if (dayJson.size < 100_000) dayJson.set(end, endText);
  }
  const id = JSON.stringify(meterId);
  // An id JSON did not escape (two quotes longer) takes the day as it is.
  const readingText = id.length === meterId.length + 2 ? `${id.slice(0, -1)}@${endText}"` : JSON.stringify(readingId(meterId, end));
  return `{"reading_id":${readingText},"meter_id":${id},"start":${start === start ? `"${day(start)}"` : "null"},"end":"${endText}",`
    + `"days":${jsonNumber(days)},"previous":${previous === previous ? jsonNumber(previous) : "null"},"current":${jsonNumber(current)},`
    + `"consumption":${jsonNumber(consumption)},"daily":${jsonNumber(daily)},"flags":${flagText}`
    + `${reasons === undefined ? "" : `,"reasons":${JSON.stringify(reasons.split("|"))}`}}`;
}

/** The record jsonRow writes, as an object: its specification. */
export function jsonRecord(meterId: string, start: number, end: number, days: number, previous: number, current: number,
  consumption: number, daily: number, flags: number, reasons?: string): Record<string, unknown> {
  return {
    reading_id: readingId(meterId, end), meter_id: meterId, start: start === start ? day(start) : null,
    end: day(end), days, previous: previous === previous ? previous : null, current,
    consumption, daily, flags: flagNames(flags), ...(reasons === undefined ? {} : { reasons: reasons.split("|") }),
  };
}
