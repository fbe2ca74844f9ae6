// A billing row encoded straight into bytes, field by field: no string per number, per date or
// per line on the hot path. Produces exactly what the string formatter (files.ts csvRow) does;
// tests/engine/sinks/csv-bytes.test.ts holds the two side by side.
import { csv, day, flagText, idText, num, WIDE } from "./format.js";
import { writeInteger, writeMillionths } from "./digits.js";
import type { LineBuffer } from "./line-buffer.js";

const COMMA = 44;
const QUOTE = 34;
const MINUS = 45;
const MAX_EXACT = 9007199254740992;

const utf8 = new TextDecoder();
const latin1 = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

/** Copies a short byte string; a loop beats TypedArray#set at these lengths. */
function copy(from: Uint8Array, to: Uint8Array, at: number): number {
  for (let i = 0; i < from.length; i++) to[at + i] = from[i];
  return at + from.length;
}

/** Copies a date's bytes: `YYYY-MM-DD` unrolled (three dates a row), others by `copy`. */
function copyDay(from: Uint8Array, to: Uint8Array, at: number): number {
  if (from.length !== 10) return copy(from, to, at);
  to[at] = from[0];
  to[at + 1] = from[1];
  to[at + 2] = from[2];
  to[at + 3] = from[3];
  to[at + 4] = from[4];
  to[at + 5] = from[5];
  to[at + 6] = from[6];
  to[at + 7] = from[7];
  to[at + 8] = from[8];
  to[at + 9] = from[9];
  return at + 10;
}

/** Encodes CSV billing rows into a LineBuffer, caching the bytes of dates and flag sets. */
export class CsvRowEncoder {
  private readonly days_ = new Map<number, Uint8Array>();
  private readonly flags_ = new Map<number, Uint8Array>();

  /**
   * Appends one row and its line break; the meter id is the UTF-8 bytes `ids[idFrom, idTo)`.
   * `reasons` (a held row's, UTF-8) is one more column, as given: already a CSV field (quoted
   * where it needs it, formatter.ts).
   */
  encode(out: LineBuffer, ids: Uint8Array, idFrom: number, idTo: number, start: number, end: number, days: number, previous: number,
    current: number, consumption: number, daily: number, flags: number, reasons?: Uint8Array): void {
    // The id straight into the buffer (twice: the reading id's and the meter id's column).
    const endBytes = this.dayBytes(end);
    const len = idTo - idFrom;
    const buf = out.reserve(len * 2 + 160 + (reasons === undefined ? 0 : reasons.length));
    const from = out.length;
    let at = from;
    for (let i = idFrom; i < idTo; i++) {
      const c = ids[i];
      if (c > 0x7e || c === COMMA || c === QUOTE || c < 0x20) {
        return this.slow(out, idText(ids, idFrom, idTo), start, end, days, previous, current, consumption, daily, flags, reasons);
      }
      buf[at++] = c;
    }
    buf[at++] = 64; // @
    at = copyDay(endBytes, buf, at);
    buf[at++] = COMMA;
    for (let i = 0; i < len; i++) buf[at + i] = buf[from + i];
    at += len;
    buf[at++] = COMMA;
    if (start === start) at = copyDay(this.dayBytes(start), buf, at);
    buf[at++] = COMMA;
    at = copyDay(endBytes, buf, at);
    buf[at++] = COMMA;
    at = this.number(buf, at, days);
    buf[at++] = COMMA;
    at = this.number(buf, at, previous);
    buf[at++] = COMMA;
    at = this.number(buf, at, current);
    buf[at++] = COMMA;
    at = this.number(buf, at, consumption);
    buf[at++] = COMMA;
    at = this.number(buf, at, daily);
    buf[at++] = COMMA;
    if (flags !== 0) at = copy(this.flagBytes(flags), buf, at);
    if (reasons !== undefined) {
      buf[at++] = COMMA;
      at = copy(reasons, buf, at);
    }
    buf[at++] = 10;
    out.advance(at);
  }

  /** An id that is not plain printable ASCII (it may need quoting): the string path. */
  private slow(out: LineBuffer, meterId: string, start: number, end: number, days: number, previous: number,
    current: number, consumption: number, daily: number, flags: number, reasons?: Uint8Array): void {
    const endText = day(end);
    out.push(`${csv(`${meterId}@${endText}`)},${csv(meterId)},${start === start ? day(start) : ""},${endText},${days},` +
      `${num(previous)},${num(current)},${num(consumption)},${num(daily)},${csv(flagText(flags))}` +
      (reasons === undefined ? "" : `,${utf8.decode(reasons)}`));
  }

  private lastDay = Number.NaN;
  private lastDayBytes: Uint8Array = new Uint8Array(0);

  private dayBytes(dayNumber: number): Uint8Array {
    // A batch's end days repeat: keep the last one at hand before asking the map.
    if (dayNumber === this.lastDay) return this.lastDayBytes;
    let bytes = this.days_.get(dayNumber);
    if (bytes === undefined) this.days_.set(dayNumber, (bytes = latin1(day(dayNumber))));
    this.lastDay = dayNumber;
    this.lastDayBytes = bytes;
    return bytes;
  }

  private flagBytes(mask: number): Uint8Array {
    let bytes = this.flags_.get(mask);
    // Flag names are plain words; quoted all the same should one ever need it (RFC 4180).
    if (bytes === undefined) this.flags_.set(mask, (bytes = latin1(csv(flagText(mask)))));
    return bytes;
  }

  /** Writes num(x) at `at`; returns the new position. */
  private number(buf: Uint8Array, at: number, x: number): number {
    if (Number.isInteger(x) && Math.abs(x) < MAX_EXACT) {
      if (x < 0) buf[at++] = MINUS;
      return writeInteger(buf, at, Math.abs(x));
    }
    if (x !== x || !(Math.abs(x) < WIDE)) {
      const text = num(x);
      for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
      return at;
    }
    const micros = Math.round(x * 1e6);
    const abs = micros < 0 ? -micros : micros;
    const whole = Math.floor(abs / 1e6);
    // Below 10^6, so int32 arithmetic: a double % is a slow runtime call.
    const frac = (abs - whole * 1e6) | 0;
    if (micros < 0 && (whole !== 0 || frac !== 0)) buf[at++] = MINUS;
    at = writeInteger(buf, at, whole);
    if (frac === 0) return at;
    return writeMillionths(buf, at, frac);
  }

}
