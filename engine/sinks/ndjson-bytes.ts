// NDJSON billing rows encoded straight into bytes, field by field: no string per number, per date
// or per line on the hot path (a run with --format ndjson writes a line for every reading it
// bills, a worker publishes one: a million a night). The lines are exactly what jsonRow writes
// (json-row.ts, JSON.stringify of the record); tests/engine/sinks/ndjson-bytes.test.ts holds the
// two side by side over random rows. Held, rejected and alert rows (few) stay strings.
import { flagNames } from "../flags/flags.js";
import { day, idText } from "./format.js";
import { jsonRow } from "./json-row.js";
import type { LineBuffer } from "./line-buffer.js";
import { writeInteger, writeMillionths } from "./digits.js";

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const MAX_EXACT = 9007199254740992;

const ascii = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));
const READING_ID = ascii('{"reading_id":"');
const METER_ID = ascii('","meter_id":"');
const START = ascii('","start":');
const END = ascii(',"end":"');
const DAYS = ascii('","days":');
const PREVIOUS = ascii(',"previous":');
const CURRENT = ascii(',"current":');
const CONSUMPTION = ascii(',"consumption":');
const DAILY = ascii(',"daily":');
const FLAGS = ascii(',"flags":');
const NULL = ascii("null");

/** Copies a short byte string; a loop beats TypedArray#set at these lengths. */
function copy(from: Uint8Array, to: Uint8Array, at: number): number {
  for (let i = 0; i < from.length; i++) to[at + i] = from[i];
  return at + from.length;
}

/** Encodes NDJSON billing rows into a LineBuffer, caching the bytes of dates and flag sets. */
export class NdjsonRowEncoder {
  private readonly days_ = new Map<number, Uint8Array>();
  private readonly flags_ = new Map<number, Uint8Array>();
  /** The longest billing buffer so far: an empty one is grown to it at once, not by doublings. */
  private largest_ = 0;

  /** Appends one billing row and its line break, as jsonRow writes it; the meter id is the UTF-8 bytes `ids[idFrom, idTo)`. */
  encode(out: LineBuffer, ids: Uint8Array, idFrom: number, idTo: number, start: number, end: number, days: number, previous: number,
    current: number, consumption: number, daily: number, flags: number): void {
    const len = idTo - idFrom;
    if (out.length === 0 && this.largest_ > 0) out.reserve(this.largest_);
    const buf = out.reserve(len * 2 + 400);
    const from = out.length;
    let at = copy(READING_ID, buf, from);
    const idAt = at;
    for (let i = idFrom; i < idTo; i++) {
      const c = ids[i];
      // Anything JSON escapes (or that is not one byte in UTF-8): the string path.
      if (c > 0x7e || c < 0x20 || c === QUOTE || c === BACKSLASH) {
        out.push(jsonRow(idText(ids, idFrom, idTo), start, end, days, previous, current, consumption, daily, flags));
        return;
      }
      buf[at++] = c;
    }
    buf[at++] = 64; // @
    const endBytes = this.dayBytes(end);
    at = copy(endBytes, buf, at);
    at = copy(METER_ID, buf, at);
    for (let i = 0; i < len; i++) buf[at + i] = buf[idAt + i];
    at += len;
    at = copy(START, buf, at);
    if (start === start) {
      buf[at++] = QUOTE;
      at = copy(this.dayBytes(start), buf, at);
      buf[at++] = QUOTE;
    } else at = copy(NULL, buf, at);
    at = copy(END, buf, at);
    at = copy(endBytes, buf, at);
    at = copy(DAYS, buf, at);
    at = this.number(buf, at, days);
    at = copy(PREVIOUS, buf, at);
    at = previous === previous ? this.number(buf, at, previous) : copy(NULL, buf, at);
    at = copy(CURRENT, buf, at);
    at = this.number(buf, at, current);
    at = copy(CONSUMPTION, buf, at);
    at = this.number(buf, at, consumption);
    at = copy(DAILY, buf, at);
    at = this.number(buf, at, daily);
    at = copy(FLAGS, buf, at);
    at = copy(this.flagBytes(flags), buf, at);
    buf[at++] = 125; // }
    buf[at++] = 10;
    out.advance(at);
    if (at > this.largest_) this.largest_ = at;
  }

  private lastDay = Number.NaN;
  private lastDayBytes: Uint8Array = new Uint8Array(0);

  private dayBytes(dayNumber: number): Uint8Array {
    // A batch's end days repeat: keep the last one at hand before asking the map.
    if (dayNumber === this.lastDay) return this.lastDayBytes;
    let bytes = this.days_.get(dayNumber);
    if (bytes === undefined) {
      bytes = ascii(day(dayNumber));
      if (this.days_.size < 100_000) this.days_.set(dayNumber, bytes);
    }
    this.lastDay = dayNumber;
    this.lastDayBytes = bytes;
    return bytes;
  }

  private flagBytes(mask: number): Uint8Array {
    let bytes = this.flags_.get(mask);
    if (bytes === undefined) this.flags_.set(mask, (bytes = ascii(JSON.stringify(flagNames(mask)))));
    return bytes;
  }

  /**
   * Writes the number as JSON.stringify does (String(x); not finite: null). Integers below 2^53
   * and numbers that are exactly a count of millionths below 10^15 (at most 15 significant
   * digits, so that decimal is the shortest that reads back as x: String's choice) are written
   * digit by digit; anything else through String.
   */
  private number(buf: Uint8Array, at: number, x: number): number {
    if (Number.isInteger(x) && Math.abs(x) < MAX_EXACT) {
      if (x < 0) buf[at++] = MINUS;
      return writeInteger(buf, at, Math.abs(x));
    }
    const micros = Math.round(x * 1e6);
    if (!(Math.abs(micros) < 1e15) || micros / 1e6 !== x) {
      const text = Number.isFinite(x) ? String(x) : "null";
      for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
      return at;
    }
    const abs = micros < 0 ? -micros : micros;
    const whole = Math.floor(abs / 1e6);
    // Below 10^6, so int32 arithmetic.
    const frac = (abs - whole * 1e6) | 0;
    if (x < 0) buf[at++] = MINUS;
    at = writeInteger(buf, at, whole);
    return writeMillionths(buf, at, frac);
  }

}
