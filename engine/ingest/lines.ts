// A streaming line splitter for line-delimited formats (NDJSON): UTF-8 BOM, CRLF or LF, a last
// line without a newline. A line longer than `maxRecordBytes` comes out once, truncated and
// flagged `overlong`, and the rest of it is skipped without being held in memory.
import { ChunkWindow, asBytes } from "./window.js";

const LF = 10;
const CR = 13;

/** Pull-style line reader: `push` chunks, drain `next()`, then `finish()` and drain again. */
export class LineReader {
  /** The current line is `buf[start, end)`, without its terminator; `line` is 1-based. */
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  line = 0;
  overlong = false;

  private readonly max: number;
  private readonly window = new ChunkWindow();
  private ended = false;
  private bomChecked = false;
  private lineStart = 0;
  private scanFrom = 0;
  private lineNo = 1;
  private skipping = false;

  constructor(maxRecordBytes: number) {
    this.max = maxRecordBytes;
  }

  push(chunk: Uint8Array | string): void {
    const bytes = asBytes(chunk);
    if (bytes.length === 0) return;
    const shift = this.window.append(bytes, this.lineStart);
    this.lineStart -= shift;
    this.scanFrom -= shift;
  }

  finish(): void {
    this.ended = true;
  }

  /** Advances to the next line; false when more input is needed (or, after finish, none is left). */
  next(): boolean {
    const { buf, len } = this.window;
    if (!this.bomChecked) {
      if (len < 3 && !this.ended) return false;
      this.bomChecked = true;
      if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.lineStart = this.scanFrom = 3;
    }
    for (;;) {
      const start = this.lineStart;
      const q = buf.indexOf(LF, this.scanFrom);
      const found = q >= 0 && q < len;
      if (this.skipping) {
        if (!found) {
          this.lineStart = this.scanFrom = len;
          return false;
        }
        this.skipping = false;
        this.lineNo++;
        this.lineStart = this.scanFrom = q + 1;
        continue;
      }
      if (found) {
        const lineNo = this.lineNo++;
        this.lineStart = this.scanFrom = q + 1;
        const end = q > start && buf[q - 1] === CR ? q - 1 : q;
        if (end - start > this.max) return this.emit(buf, start, start + this.max, lineNo, true);
        return this.emit(buf, start, end, lineNo, false);
      }
      if (len - start > this.max) {
        // Overlong and still going: report it now, skip the rest as it arrives.
        this.skipping = true;
        this.lineStart = this.scanFrom = len;
        return this.emit(buf, start, start + this.max, this.lineNo, true);
      }
      if (!this.ended || start >= len) {
        this.scanFrom = len;
        return false;
      }
      // The last line, without a newline.
      this.lineStart = this.scanFrom = len;
      let end = len;
      if (buf[end - 1] === CR) end--;
      return this.emit(buf, start, end, this.lineNo++, false);
    }
  }

  private emit(buf: Uint8Array, start: number, end: number, line: number, overlong: boolean): boolean {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.line = line;
    this.overlong = overlong;
    return true;
  }
}
