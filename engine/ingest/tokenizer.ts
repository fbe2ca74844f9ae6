// A streaming, byte-level CSV tokenizer (RFC 4180 plus what real exports do): UTF-8 BOM,
// CRLF or LF, quoted fields with "" escapes and embedded commas and newlines, a last line
// without a newline, empty lines skipped. It yields records as field offsets into its byte
// window, so callers parse numbers and ids from bytes without creating strings. A record
// longer than `maxRecordBytes` (a runaway quote, a binary blob) comes out as one malformed
// record and the tokenizer resynchronises at the next line, so one bad quote cannot swallow
// the rest of the file. Used by the readings reader and the meter registry reader.
import { CsvRecord } from "./record.js";
import { ChunkWindow, asBytes } from "./window.js";

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

const S_FIELD = 0; // at the start of a field
const S_UNQUOTED = 1; // inside an unquoted field
const S_QUOTED = 2; // inside quotes
const S_QUOTE_SEEN = 3; // a quote inside quotes: an escape or the closing quote
const S_AFTER_QUOTE = 4; // after a closing quote: expecting , or a line end
const S_BAD = 5; // the record is malformed: scanning to its line end
const S_SKIP = 6; // skipping the rest of an overlong line (already reported)

/** Options of CsvTokenizer. */
export interface CsvTokenizerOptions {
  /** Longest record in bytes, quoted newlines included; default 64 KiB. */
  maxRecordBytes?: number;
  /**
   * The caller keeps no view of `buf` past its next `push` (it takes records' bytes by their
   * offsets in the input, windowBase): the window reuses its storage (window.ts). Default false.
   */
  reuseWindow?: boolean;
}

/**
 * Pull-style CSV tokenizer: `push` chunks, call `next()` until it returns false, then push
 * more; after the last chunk call `finish()` and drain `next()` again. After `next()` returns
 * true the tokenizer describes the current record (see CsvRecord). Offsets are valid until the
 * next `next()` call; the bytes they point into are never modified.
 * @example
 *   const tok = new CsvTokenizer();
 *   for await (const chunk of stream) { tok.push(chunk); while (tok.next()) use(tok.fieldString(0)); }
 *   tok.finish(); while (tok.next()) use(tok.fieldString(0));
 */
export class CsvTokenizer extends CsvRecord {
  private readonly maxRecord: number;
  private readonly window: ChunkWindow;
  private ended = false;
  private bomChecked = false;
  private p = 0;
  private state = S_FIELD;
  private n = 0; // fields of the record in progress
  private fStart = 0;
  private escaped = 0;
  private lineNo = 1; // physical line at `p`
  private recStart = 0;
  private recLine = 1;

  constructor(options: CsvTokenizerOptions = {}) {
    super();
    this.maxRecord = options.maxRecordBytes ?? 64 * 1024;
    this.window = new ChunkWindow({ reuse: options.reuseWindow });
  }

  /** The offset in the input of `buf[0]`: a record's bytes are input[windowBase + start, windowBase + end). */
  get windowBase(): number {
    return this.window.base;
  }

  /** Adds the next chunk of the stream. */
  push(chunk: Uint8Array | string): void {
    const bytes = asBytes(chunk);
    if (bytes.length === 0) return;
    const shift = this.window.append(bytes, this.recStart);
    if (shift !== 0) {
      this.p -= shift;
      this.recStart -= shift;
      this.fStart -= shift;
      for (let i = 0; i < this.n; i++) {
        this.fieldStart[i] -= shift;
        this.fieldEnd[i] -= shift;
      }
    }
  }

  /** Marks the end of the stream: the bytes held so far are all there is. */
  finish(): void {
    this.ended = true;
  }

  /** Advances to the next record; false when more input is needed (or, after finish, none is left). */
  next(): boolean {
    const win = this.window;
    const buf = win.buf;
    const len = win.len;
    if (!this.bomChecked) {
      if (len < 3 && !this.ended) return false;
      this.bomChecked = true;
      if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.p = this.recStart = 3;
    }
    let p = this.p;
    let state = this.state;
    let n = this.n;
    let fStart = this.fStart;
    let escaped = this.escaped;
    let lineNo = this.lineNo;
    let recStart = this.recStart;
    let limit = recStart + this.maxRecord + 1;
    let stop = len < limit ? len : limit;
    let fs = this.fieldStart;
    let fe = this.fieldEnd;
    let fx = this.fieldEscaped;
    let rawEnd = -1; // set when a record is complete

    scan: for (;;) {
      if (state === S_FIELD) {
        if (p >= stop) break scan;
        if (buf[p] === QUOTE) {
          p++;
          fStart = p;
          escaped = 0;
          state = S_QUOTED;
          continue scan;
        }
        fStart = p;
        state = S_UNQUOTED;
      }
      if (state === S_UNQUOTED) {
        let c = 0;
        while (p < stop) {
          c = buf[p];
          if (c === COMMA || c === LF) break;
          p++;
        }
        if (p >= stop) break scan;
        if (n === fs.length) ({ fs, fe, fx } = this.growFields());
        if (c === COMMA) {
          fs[n] = fStart;
          fe[n] = p;
          fx[n] = 0;
          n++;
          p++;
          state = S_FIELD;
          continue scan;
        }
        let end = p;
        if (end > fStart && buf[end - 1] === CR) end--;
        p++;
        lineNo++;
        if (n === 0 && end === fStart) {
          // An empty line: not a record.
          recStart = p;
          this.recLine = lineNo;
          limit = recStart + this.maxRecord + 1;
          stop = len < limit ? len : limit;
          state = S_FIELD;
          continue scan;
        }
        fs[n] = fStart;
        fe[n] = end;
        fx[n] = 0;
        n++;
        rawEnd = end;
        break scan;
      }
      if (state === S_QUOTED) {
        while (p < stop) {
          const c = buf[p];
          if (c === QUOTE) break;
          if (c === LF) lineNo++;
          p++;
        }
        if (p >= stop) break scan;
        p++;
        state = S_QUOTE_SEEN;
      }
      if (state === S_QUOTE_SEEN) {
        if (p >= stop) break scan;
        if (buf[p] === QUOTE) {
          escaped = 1;
          p++;
          state = S_QUOTED;
          continue scan;
        }
        if (n === fs.length) ({ fs, fe, fx } = this.growFields());
        fs[n] = fStart;
        fe[n] = p - 1;
        fx[n] = escaped;
        n++;
        state = S_AFTER_QUOTE;
      }
      if (state === S_AFTER_QUOTE) {
        while (p < stop && buf[p] === CR) p++;
        if (p >= stop) break scan;
        const c = buf[p];
        if (c === COMMA) {
          p++;
          state = S_FIELD;
          continue scan;
        }
        if (c === LF) {
          rawEnd = p;
          if (buf[rawEnd - 1] === CR) rawEnd--;
          p++;
          lineNo++;
          break scan;
        }
        state = S_BAD; // text after a closing quote
      }
      if (state === S_BAD) {
        // Most likely a stray quote that paired with one on a later line: report the record's
        // first line and resume on the line after it.
        while (p < stop && buf[p] !== LF) p++;
        if (p >= stop) break scan;
        return this.runaway(buf, len, recStart, p + 1, lineNo, p + 1);
      }
      if (state === S_SKIP) {
        while (p < len && buf[p] !== LF) p++;
        if (p >= len) {
          recStart = p; // nothing of the skipped line is kept
          break scan;
        }
        p++;
        lineNo++;
        recStart = p;
        this.recLine = lineNo;
        limit = recStart + this.maxRecord + 1;
        stop = len < limit ? len : limit;
        state = S_FIELD;
        continue scan;
      }
    }

    if (rawEnd < 0) {
      if (state === S_SKIP) {
        this.save(p, state, n, fStart, escaped, lineNo, recStart);
        return false;
      }
      if (p >= limit) {
        // One line over the limit (a huge field): report it cut at the limit with the fields
        // read so far, and skip the rest of the line as it arrives.
        if (state !== S_BAD && !hasLineFeed(buf, recStart, limit)) {
          if (state === S_UNQUOTED || state === S_QUOTED || state === S_QUOTE_SEEN) {
            if (n === fs.length) ({ fs, fe, fx } = this.growFields());
            fs[n] = fStart;
            fe[n] = Math.max(fStart, Math.min(p, limit));
            fx[n] = 0;
            n++;
          }
          this.emit(buf, recStart, recStart + this.maxRecord, this.recLine, n, true, true);
          if (p < len || !this.ended) this.save(limit, S_SKIP, 0, limit, 0, lineNo, limit);
          else this.save(len, S_FIELD, 0, len, 0, lineNo, len);
          return true;
        }
        // Runaway record: report its first line, resume after it.
        return this.runaway(buf, len, recStart, limit, lineNo, p);
      }
      if (!this.ended) {
        this.save(p, state, n, fStart, escaped, lineNo, recStart);
        return false;
      }
      // End of input: complete the record in progress, if any.
      if (state === S_FIELD && n === 0) {
        this.save(p, S_FIELD, 0, p, 0, lineNo, p);
        return false;
      }
      if (state === S_QUOTED || state === S_BAD) return this.runaway(buf, len, recStart, len, lineNo, len);
      if (n === fs.length) ({ fs, fe, fx } = this.growFields());
      let end = len;
      while (end > recStart && buf[end - 1] === CR) end--;
      if (state === S_UNQUOTED || state === S_FIELD) {
        if (n === 0 && end === fStart) {
          this.save(len, S_FIELD, 0, len, 0, lineNo, len);
          return false;
        }
        fs[n] = state === S_FIELD ? len : fStart;
        fe[n] = state === S_FIELD ? len : Math.max(fStart, end);
        fx[n] = 0;
        n++;
      } else if (state === S_QUOTE_SEEN) {
        fs[n] = fStart;
        fe[n] = len - 1;
        fx[n] = escaped;
        n++;
      }
      rawEnd = end;
      p = len;
    }
    this.emit(buf, recStart, rawEnd, this.recLine, n, false);
    this.save(p, S_FIELD, 0, p, 0, lineNo, p);
    this.recLine = lineNo;
    return true;
  }

  /**
   * Reports a record that never ended within the limit (or before the end of input) as malformed,
   * with its first physical line as raw text, and resumes scanning on the line after it; when that
   * first line is itself overlong, its first `maxRecordBytes` are reported and the rest skipped.
   */
  private runaway(buf: Uint8Array, len: number, recStart: number, limit: number, lineNo: number, p: number): boolean {
    let q = recStart;
    while (q < limit && buf[q] !== LF) q++;
    const recLine = this.recLine;
    if (q < limit) {
      const end = q > recStart && buf[q - 1] === CR ? q - 1 : q;
      this.emit(buf, recStart, end, recLine, 0, true);
      this.save(q + 1, S_FIELD, 0, q + 1, 0, recLine + 1, q + 1);
      this.recLine = recLine + 1;
      return true;
    }
    this.emit(buf, recStart, Math.min(limit, recStart + this.maxRecord), recLine, 0, true);
    if (p < len || !this.ended) {
      this.save(limit, S_SKIP, 0, limit, 0, lineNo, limit);
    } else {
      this.save(len, S_FIELD, 0, len, 0, lineNo, len);
    }
    return true;
  }

  private save(p: number, state: number, n: number, fStart: number, escaped: number, lineNo: number, recStart: number): void {
    this.p = p;
    this.state = state;
    this.n = n;
    this.fStart = fStart;
    this.escaped = escaped;
    this.lineNo = lineNo;
    this.recStart = recStart;
  }
}

/** Whether `buf[from, to)` holds a line feed. */
function hasLineFeed(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] === LF) return true;
  return false;
}
