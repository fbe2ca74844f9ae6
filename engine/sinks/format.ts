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
 * From 10^9 on, to at most 15 significant digits (wideNum).
 */
export function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (x !== x) return "";
  if (!(Math.abs(x) < WIDE)) return wideNum(x);
  const micros = Math.round(x * 1e6);
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

/** From here on num() keeps at most 15 significant digits: x * 10^6 is no longer exact. */
export const WIDE = 1e9;

/**
 * A non-integer of 10^9 or more: rounded to 6 decimals and to 15 significant digits, whichever
 * keeps fewer (a double holds 15 decimal digits; past them is noise: 446089863990.11 read as a
 * double and written with 6 decimals was 446089863990.109985, and a sum of such values
 * 999999999995.000122). What it writes reads back as the input it came from, when that had at
 * most 15 significant digits (a held reading's value for `held release --value`).
 */
export function wideNum(x: number): string {
  if (!Number.isFinite(x)) return x !== x ? "" : x > 0 ? "Infinity" : "-Infinity";
  const whole = String(Math.trunc(Math.abs(x)));
  // toFixed takes the double's exact value; 10^21 and beyond it writes as String does.
  const text = x.toFixed(Math.max(0, Math.min(6, 15 - whole.length)));
  if (!text.includes(".") || text.includes("e")) return text;
  const trimmed = text.replace(/\.?0+$/, "");
  return trimmed === "-0" ? "0" : trimmed;
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
