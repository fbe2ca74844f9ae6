// The record a CsvTokenizer is positioned on: its raw bytes, physical line and field offsets,
// readable without creating strings; strings only when asked for.

const utf8 = new TextDecoder("utf-8");

/**
 * One CSV record as offsets into `buf`: raw bytes `[start, end)` without the line terminator,
 * `line` (1-based physical line where it starts), `count` fields at
 * `[fieldStart[i], fieldEnd[i])` (inside the quotes for quoted fields; `fieldEscaped[i]` is 1
 * when a quoted field holds "" escapes). A `malformed` record has no fields, unless it is
 * `overlong`: one line longer than the record limit, cut there, whose fields are those read
 * before the cut (the last one cut short).
 */
export class CsvRecord {
  buf: Uint8Array = new Uint8Array(0);
  line = 0;
  start = 0;
  end = 0;
  count = 0;
  malformed = false;
  overlong = false;
  fieldStart: Int32Array = new Int32Array(16);
  fieldEnd: Int32Array = new Int32Array(16);
  fieldEscaped: Uint8Array = new Uint8Array(16);

  /** The text of field `i` (quotes removed, "" unescaped). */
  fieldString(i: number): string {
    const s = utf8.decode(this.buf.subarray(this.fieldStart[i], this.fieldEnd[i]));
    return this.fieldEscaped[i] === 1 ? s.replaceAll('""', '"') : s;
  }

  /** The record's raw text, without its line terminator. */
  rawString(): string {
    return utf8.decode(this.buf.subarray(this.start, this.end));
  }

  protected emit(buf: Uint8Array, start: number, end: number, line: number, count: number, malformed: boolean, overlong = false): void {
    this.overlong = overlong;
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.line = line;
    this.count = count;
    this.malformed = malformed;
  }

  /** Doubles the field arrays, keeping their contents; returns the new arrays. */
  protected growFields(): { fs: Int32Array; fe: Int32Array; fx: Uint8Array } {
    const n = this.fieldStart.length * 2;
    const fs = new Int32Array(n);
    const fe = new Int32Array(n);
    const fx = new Uint8Array(n);
    fs.set(this.fieldStart);
    fe.set(this.fieldEnd);
    fx.set(this.fieldEscaped);
    this.fieldStart = fs;
    this.fieldEnd = fe;
    this.fieldEscaped = fx;
    return { fs, fe, fx };
  }
}
