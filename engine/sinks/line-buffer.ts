// Lines encoded straight into a growable byte buffer (TypeScript-private fields: ECMAScript
// #private ones cost about twice as much per access on Node 20's hot paths): a batch's output lines are kept as bytes
// until its commit, not as thousands of live strings for the garbage collector to trace.

export class LineBuffer {
  private buf_: Buffer;
  private view_: Uint8Array;
  private length_ = 0;
  private readonly shared_: boolean;

  /** `shared` keeps the bytes in a SharedArrayBuffer, so posting them to a worker shares them. */
  constructor(shared = false, capacity = 1 << 16) {
    this.shared_ = shared;
    this.buf_ = this.allocate(capacity);
    this.view_ = new Uint8Array(this.buf_.buffer, this.buf_.byteOffset, this.buf_.length);
  }

  private allocate(bytes: number): Buffer {
    return this.shared_ ? Buffer.from(new SharedArrayBuffer(bytes)) : Buffer.allocUnsafe(bytes);
  }

  /** Appends `line` (UTF-8) and a line break. */
  push(line: string): void {
    this.reserve(line.length * 3 + 1);
    this.length_ += this.buf_.write(line, this.length_);
    this.buf_[this.length_++] = 10;
  }

  /**
   * The buffer as a plain Uint8Array (one element kind for encoders' loops), with room for
   * `bytes` more bytes after `length`; write, then `advance`.
   */
  reserve(bytes: number): Uint8Array {
    const need = this.length_ + bytes;
    if (need > this.buf_.length) {
      const grown = this.allocate(Math.max(need, this.buf_.length * 2));
      this.buf_.copy(grown, 0, 0, this.length_);
      this.buf_ = grown;
      this.view_ = new Uint8Array(grown.buffer, grown.byteOffset, grown.length);
    }
    return this.view_;
  }

  /** Sets the length after writing into the buffer returned by `reserve`. */
  advance(length: number): void {
    this.length_ = length;
  }

  /** The bytes so far (a view: valid until the next push or clear). */
  bytes(): Buffer {
    return this.buf_.subarray(0, this.length_);
  }

  get length(): number {
    return this.length_;
  }

  clear(): void {
    this.length_ = 0;
  }
}
