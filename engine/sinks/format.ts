// Formatting of output values: dates as YYYY-MM-DD, numbers without float noise, CSV quoting.
import { flagNames } from "../flags/flags.js";
import { formatDay } from "../time/day.js";

const dayCache = new Map<number, string>();

/** The meter id of UTF-8 bytes `ids[from, to)` (shared memory too). */
export function idText(ids: Uint8Array, from: number, to: number): string {
  return Buffer.from(ids.buffer, ids.byteOffset + from, to - from).toString("utf8");
}

/** `YYYY-MM-DD` of a day number, cached (a run sees few distinct days). */
export function day(dayNumber: number): string {
  let text = dayCache.get(dayNumber);
  if (text === undefined) {
    text = formatDay(dayNumber);
    if (dayCache.size < 100_000) dayCache.set(dayNumber, text);
  }
  return text;
}

/**
 * A number for an output file: integers as they are, others rounded to 6 decimal places so
 * `(110.25 - 100.5) * 0.1` reads 0.975, not 0.9750000000000001. NaN is written as empty.
 * Built from two integer conversions, which cost a tenth of a shortest double-to-string.
 */
export function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (x !== x) return "";
  const micros = Math.round(x * 1e6);
  if (!(Math.abs(micros) < 9007199254740992)) return Number.isFinite(x) ? String(Math.round(x * 1e6) / 1e6) : x > 0 ? "Infinity" : "-Infinity";
  const abs = micros < 0 ? -micros : micros;
  const whole = Math.floor(abs / 1e6);
  let frac = abs - whole * 1e6;
  if (frac === 0) return micros < 0 && whole !== 0 ? `-${whole}` : String(whole);
  let digits = 6;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  const fracText = String(frac).padStart(digits, "0");
  return `${micros < 0 ? "-" : ""}${whole}.${fracText}`;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A CSV field, quoted when it holds a comma, quote or line break. */
export function csv(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The deterministic reading id: meter id and end date. Same meter and end, same id. */
export function readingId(meterId: string, endDay: number): string {
  return `${meterId}@${day(endDay)}`;
}

const flagCache = new Map<number, string>();

/** `|`-separated flag names of a mask, cached per mask. */
export function flagText(mask: number): string {
  let text = flagCache.get(mask);
  if (text === undefined) flagCache.set(mask, (text = flagNames(mask).join("|")));
  return text;
}
