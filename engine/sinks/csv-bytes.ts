// A billing row encoded straight into bytes, field by field: no string per number, per date or
// per line on the hot path. Produces exactly what the string formatter (files.ts csvRow) does;
// tests/engine/sinks/csv-bytes.test.ts holds the two side by side.
import { csv, day, flagText, num } from "./format.js";
import type { LineBuffer } from "./line-buffer.js";

const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const MAX_EXACT = 9007199254740992;

const latin1 = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

/** Encodes CSV billing rows into a LineBuffer, caching the bytes of ids, dates and flag sets. */
export class CsvRowEncoder {
  #ids: Array<{ id: Uint8Array; plain: boolean } | undefined> = [];
  readonly #days = new Map<number, Uint8Array>();
  readonly #flags = new Map<number, Uint8Array>();
  readonly #digits = new Uint8Array(32);

  /** Appends one row and its line break. `meterKey` (dense, >= 0) caches the id's bytes. */
  encode(out: LineBuffer, meterKey: number, meterId: string, start: number, end: number, days: number, previous: number,
    current: number, consumption: number, daily: number, flags: number): void {
    const id = this.#ids[meterKey] ?? this.#id(meterKey, meterId);
    if (!id.plain) {
      // An id that needs quoting: the reading id is quoted as a whole; take the string path.
      const endText = day(end);
      out.push(`${csv(`${meterId}@${endText}`)},${csv(meterId)},${start === start ? day(start) : ""},${endText},${days},` +
        `${num(previous)},${num(current)},${num(consumption)},${num(daily)},${flagText(flags)}`);
      return;
    }
    const endBytes = this.#day(end);
    const buf = out.reserve(id.id.length * 2 + 160);
    let at = out.length;
    buf.set(id.id, at); at += id.id.length;
    buf[at++] = 64; // @
    buf.set(endBytes, at); at += 10;
    buf[at++] = COMMA;
    buf.set(id.id, at); at += id.id.length;
    buf[at++] = COMMA;
    if (start === start) {
      buf.set(this.#day(start), at);
      at += 10;
    }
    buf[at++] = COMMA;
    buf.set(endBytes, at); at += 10;
    buf[at++] = COMMA;
    at = this.#number(buf, at, days);
    buf[at++] = COMMA;
    at = this.#number(buf, at, previous);
    buf[at++] = COMMA;
    at = this.#number(buf, at, current);
    buf[at++] = COMMA;
    at = this.#number(buf, at, consumption);
    buf[at++] = COMMA;
    at = this.#number(buf, at, daily);
    buf[at++] = COMMA;
    if (flags !== 0) {
      const f = this.#flag(flags);
      buf.set(f, at);
      at += f.length;
    }
    buf[at++] = 10;
    out.advance(at);
  }

  #id(meterKey: number, meterId: string) {
    const entry = { id: Buffer.from(meterId, "utf8"), plain: csv(meterId) === meterId };
    this.#ids[meterKey] = entry;
    return entry;
  }

  #day(dayNumber: number): Uint8Array {
    let bytes = this.#days.get(dayNumber);
    if (bytes === undefined) this.#days.set(dayNumber, (bytes = latin1(day(dayNumber))));
    return bytes;
  }

  #flag(mask: number): Uint8Array {
    let bytes = this.#flags.get(mask);
    if (bytes === undefined) this.#flags.set(mask, (bytes = latin1(flagText(mask))));
    return bytes;
  }

  /** Writes num(x) at `at`; returns the new position. */
  #number(buf: Uint8Array, at: number, x: number): number {
    if (Number.isInteger(x) && Math.abs(x) < MAX_EXACT) {
      if (x < 0) buf[at++] = MINUS;
      return this.#integer(buf, at, Math.abs(x));
    }
    const micros = Math.round(x * 1e6);
    if (x !== x || !(Math.abs(micros) < MAX_EXACT)) {
      const text = num(x);
      for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
      return at;
    }
    const abs = micros < 0 ? -micros : micros;
    const whole = Math.floor(abs / 1e6);
    let frac = abs - whole * 1e6;
    if (micros < 0 && (whole !== 0 || frac !== 0)) buf[at++] = MINUS;
    at = this.#integer(buf, at, whole);
    if (frac === 0) return at;
    buf[at++] = DOT;
    let width = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    for (let i = width - 1; i >= 0; i--) {
      buf[at + i] = ZERO + (frac % 10);
      frac = Math.floor(frac / 10);
    }
    return at + width;
  }

  #integer(buf: Uint8Array, at: number, v: number): number {
    if (v < 10) {
      buf[at] = ZERO + v;
      return at + 1;
    }
    const d = this.#digits;
    let n = 0;
    while (v > 0) {
      const q = Math.floor(v / 10);
      d[n++] = v - q * 10;
      v = q;
    }
    while (n > 0) buf[at++] = ZERO + d[--n];
    return at;
  }
}
