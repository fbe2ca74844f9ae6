// Reading end periods from bytes: `YYYY-MM-DD` (a real calendar date) or a date-time
// `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`, in the calendar days of the thread's time zone
// (engine/time/current.ts; UTC unless configured): a date-time with an offset is the day its
// instant falls on in the zone, one without is the zone's wall-clock time (its date is its day).
// Anything else is NO_DAY.
import { timeZone } from "../time/current.js";
import { dayFromCivil } from "../time/day.js";
import { NO_DAY } from "./batch.js";

const scratch = new Uint8Array(64);
const DAY_MS = 86_400_000;
let instantMs = Number.NaN;

/**
 * The instant (ms since epoch, UTC) of the last date or date-time parsed by parseDayBytes /
 * parseDayString: a date alone is its midnight in the zone. NaN after a parse that failed.
 */
export function lastInstantMs(): number {
  return instantMs;
}

/**
 * The last valid `YYYY-MM-DD` parsed and its day number: a file's rows mostly share a date (a
 * nightly file has one), and ten byte compares cost less than checking and converting it again
 * (measured on the nightly 1M: ~100 ns a row, a tenth of the decoding thread's work before the
 * first batch).
 */
const lastDate = new Uint8Array(10);
let lastDay = NO_DAY;

/**
 * The day number of the date or date-time in `buf[start, end)`, or NO_DAY. Spaces and tabs
 * around it are read past, as around a number (`A, 2026-11-02, 110` gives the day and 110).
 */
export function parseDayBytes(buf: Uint8Array, start: number, end: number): number {
  while (start < end && (buf[start] === 32 || buf[start] === 9)) start++;
  while (end > start && (buf[end - 1] === 32 || buf[end - 1] === 9)) end--;
  const n = end - start;
  instantMs = Number.NaN;
  if (n < 10) return NO_DAY;
  let date = lastDay;
  for (let i = 0; i < 10; i++) {
    if (buf[start + i] !== lastDate[i]) {
      date = parseDate(buf, start);
      break;
    }
  }
  if (date === NO_DAY) return NO_DAY;
  if (n === 10) {
    instantMs = timeZone().startOf(date);
    return date;
  }
  return withTime(buf, start + 10, end, date);
}

/** The day number of the `YYYY-MM-DD` at `buf[start]` (a real calendar date), kept as the last one; or NO_DAY. */
function parseDate(buf: Uint8Array, start: number): number {
  const year = digits4(buf, start);
  const month = digits2(buf, start + 5);
  const day = digits2(buf, start + 8);
  if (year < 0 || month < 1 || month > 12 || day < 1 || buf[start + 4] !== 45 || buf[start + 7] !== 45) return NO_DAY;
  if (day > daysInMonth(year, month)) return NO_DAY;
  const date = dayFromCivil(year, month, day);
  for (let i = 0; i < 10; i++) lastDate[i] = buf[start + i];
  lastDay = date;
  return date;
}

/** The day number of a date or date-time string, or NO_DAY. */
export function parseDayString(text: string): number {
  const n = text.length;
  if (n < 10 || n > scratch.length) return NO_DAY;
  // Dates are ASCII: any other character makes the text invalid anyway.
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return NO_DAY;
    scratch[i] = c;
  }
  return parseDayBytes(scratch, 0, n);
}

/** The first and last instants (ms) and days a date may have: 0000-01-01 to 9999-12-31, as YYYY-MM-DD writes them. */
export const FIRST_MS = Date.parse("0000-01-01T00:00:00Z");
export const LAST_MS = Date.parse("9999-12-31T23:59:59.999Z");
const FIRST_DAY = FIRST_MS / 86_400_000;
const LAST_DAY = Math.floor(LAST_MS / 86_400_000);

/** The day number of a decoded JSON or msgpack value: a date string or a Date (years 0000 to 9999); NO_DAY otherwise. */
export function dayOfValue(value: unknown): number {
  if (typeof value === "string") return parseDayString(value);
  if (value instanceof Date) {
    const ms = value.getTime();
    return writableInstant(ms) ? timeZone().dayOf(ms) : NO_DAY;
  }
  return NO_DAY;
}

/**
 * Whether the instant `ms` falls on a day YYYY-MM-DD can write (0000-01-01 to 9999-12-31) in the
 * thread's zone: a msgpack timestamp or epoch ms may lie before year 0 or after 9999, and an
 * instant near either end may lie beyond it in the zone (0000-01-01T01:00Z is year -1 at -05:00).
 */
export function writableInstant(ms: number): boolean {
  if (!(ms >= FIRST_MS && ms <= LAST_MS)) return false;
  // No zone is two days away from UTC: only the first and last days need the zone's day.
  if (ms >= FIRST_MS + 2 * DAY_MS && ms <= LAST_MS - 2 * DAY_MS) return true;
  const day = timeZone().dayOf(ms);
  return day >= FIRST_DAY && day <= LAST_DAY;
}

function withTime(buf: Uint8Array, i: number, end: number, date: number): number {
  const sep = buf[i];
  if (sep !== 84 && sep !== 116 && sep !== 32) return NO_DAY; // T, t or a space
  if (end - i < 6 || buf[i + 3] !== 58) return NO_DAY;
  const hour = digits2(buf, i + 1);
  const minute = digits2(buf, i + 4);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NO_DAY;
  i += 6;
  let ms = 0;
  if (i < end && buf[i] === 58) {
    const second = end - i >= 3 ? digits2(buf, i + 1) : -1;
    if (second < 0 || second > 60) return NO_DAY;
    ms = second * 1000;
    i += 3;
    if (i < end && (buf[i] === 46 || buf[i] === 44)) {
      const fracStart = ++i;
      let scale = 100;
      while (i < end && buf[i] >= 48 && buf[i] <= 57) {
        ms += (buf[i] - 48) * scale;
        scale /= 10;
        i++;
      }
      if (i === fracStart) return NO_DAY;
    }
    // Whole milliseconds, cut, not rounded: .9999999 (.NET's end of day) summed to 999.9999...
    // and carried the instant to the next day in a zone away from UTC. A leap second (:60) is
    // the last instant of its minute, never the next minute's.
    ms = Math.min(Math.floor(ms), 59_999);
  }
  let offset = 0;
  let local = true;
  if (i < end) {
    const c = buf[i];
    local = false;
    if (c === 90 || c === 122) {
      i++;
    } else if (c === 43 || c === 45) {
      if (end - i !== 6 || buf[i + 3] !== 58) return NO_DAY;
      const oh = digits2(buf, i + 1);
      const om = digits2(buf, i + 4);
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return NO_DAY;
      offset = (c === 45 ? -1 : 1) * (oh * 60 + om);
      i += 6;
    } else {
      return NO_DAY;
    }
  }
  if (i !== end) return NO_DAY;
  const zone = timeZone();
  if (local) {
    // The zone's wall clock: its date is its day.
    instantMs = zone.instantOf(date * DAY_MS + (hour * 60 + minute) * 60_000 + ms);
    return date;
  }
  const minutes = hour * 60 + minute - offset;
  instantMs = date * DAY_MS + minutes * 60_000 + ms;
  // Seconds never move an instant across midnight; hour, minute and offset can.
  const day = zone.name === "UTC" ? date + Math.floor(minutes / 1440) : zone.dayOf(instantMs);
  // An offset can carry 0000-01-01 into year -1 (or 9999-12-31 into 10000), which no
  // YYYY-MM-DD writes: such an end is no date, as a date of that year is not.
  if (day < FIRST_DAY || day > LAST_DAY) {
    instantMs = Number.NaN;
    return NO_DAY;
  }
  return day;
}

function digits2(buf: Uint8Array, i: number): number {
  const a = buf[i] - 48;
  const b = buf[i + 1] - 48;
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

function digits4(buf: Uint8Array, i: number): number {
  const hi = digits2(buf, i);
  const lo = digits2(buf, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
