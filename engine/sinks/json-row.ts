// A billing or held row as one NDJSON line built as a string: the specification the byte encoder
// (ndjson-bytes.ts) is tested against, itself tested against JSON.stringify of the record
// (jsonRecord). Held rows, few, are written with it.
import { flagNames } from "../flags/flags.js";
import { day, readingId } from "./format.js";

/** A number as JSON.stringify writes it (not finite: null). */
export const jsonNumber = (x: number) => (Number.isFinite(x) ? String(x) : "null");

const flagJson = new Map<number, string>();
const dayJson = new Map<number, string>();

/**
 * A billing or held row as one NDJSON line: exactly what JSON.stringify of the record writes
 * (jsonRecord, tested side by side), built as a string.
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
