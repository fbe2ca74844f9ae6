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
const PREVIOUS = ascii(',"previous":');
const CURRENT = ascii(',"current":');
const CONSUMPTION = ascii(',"consumption":');
const DAILY = ascii(',"daily":');
const NULL = ascii("null");

/** Copies a short byte string; a loop beats TypedArray#set at these lengths. */
function copy(from: Uint8Array, to: Uint8Array, at: number): number {
  const n = from.length;
  for (let i = 0; i < n; i++) to[at++] = from[i];
  return at;
}

/** Copies a longer byte string (a cached piece of 20 to 60 bytes): TypedArray#set beats a loop there. */
function place(from: Uint8Array, to: Uint8Array, at: number): number {
  to.set(from, at);
  return at + from.length;
}

/** Encodes NDJSON billing rows into a LineBuffer, caching the text between fields by the dates and flag set it holds. */
export class NdjsonRowEncoder {
  private readonly ends_ = new Map<number, Uint8Array>();
  private readonly spans_ = new Map<number, Map<number, Uint8Array>>();
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
    // The constant text between the fields comes in a few pieces cached by what they hold: the
    // end day (after the reading id), the start and end days, the flag set (a row's tail).
    at = place(this.endPart(end), buf, at);
    for (let i = 0; i < len; i++) buf[at + i] = buf[idAt + i];
    at += len;
    at = place(this.spanPart(start, end), buf, at);
    at = this.number(buf, at, days);
    at = copy(PREVIOUS, buf, at);
    at = previous === previous ? this.number(buf, at, previous) : copy(NULL, buf, at);
    at = copy(CURRENT, buf, at);
    at = this.number(buf, at, current);
    at = copy(CONSUMPTION, buf, at);
    at = this.number(buf, at, consumption);
    at = copy(DAILY, buf, at);
    at = this.number(buf, at, daily);
    at = place(this.flagPart(flags), buf, at);
    out.advance(at);
    if (at > this.largest_) this.largest_ = at;
  }

  private lastEnd = Number.NaN;
  private lastEndPart: Uint8Array = new Uint8Array(0);
  private lastSpanStart = Number.NaN;
  private lastSpanEnd = Number.NaN;
  private lastSpanPart: Uint8Array = new Uint8Array(0);

  /** `@<end>","meter_id":"`: what follows the meter id in the reading id. */
  private endPart(end: number): Uint8Array {
    // A batch's end days repeat: keep the last one at hand before asking the map.
    if (end === this.lastEnd) return this.lastEndPart;
    const bytes = this.ends_.get(end) ?? this.keep(this.ends_, end, `@${day(end)}","meter_id":"`);
    this.lastEnd = end;
    this.lastEndPart = bytes;
    return bytes;
  }

  /** `","start":"<start>","end":"<end>","days":` (start null for an initial reading). */
  private spanPart(start: number, end: number): Uint8Array {
    if (end === this.lastSpanEnd && (start === this.lastSpanStart || (start !== start && this.lastSpanStart !== this.lastSpanStart))) return this.lastSpanPart;
    let byStart = this.spans_.get(end);
    if (byStart === undefined && this.spans_.size < 10_000) this.spans_.set(end, (byStart = new Map()));
    let bytes = byStart?.get(start);
    if (bytes === undefined) {
      const text = `","start":${start === start ? `"${day(start)}"` : "null"},"end":"${day(end)}","days":`;
      bytes = byStart === undefined ? ascii(text) : this.keep(byStart, start, text);
    }
    this.lastSpanStart = start;
    this.lastSpanEnd = end;
    this.lastSpanPart = bytes;
    return bytes;
  }

  /** `,"flags":[...]}` and the line break. */
  private flagPart(mask: number): Uint8Array {
    return this.flags_.get(mask) ?? this.keep(this.flags_, mask, `,"flags":${JSON.stringify(flagNames(mask))}}\n`);
  }

  /** Keeps a piece of text as bytes under `key` (a map past 100,000 entries stops growing); the bytes. */
  private keep(map: Map<number, Uint8Array>, key: number, text: string): Uint8Array {
    const bytes = ascii(text);
    if (map.size < 100_000) map.set(key, bytes);
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
