// Lines encoded straight into a growable byte buffer: a batch's output lines are kept as bytes
// until its commit, not as thousands of live strings for the garbage collector to trace.

export class LineBuffer {
  #buf = Buffer.allocUnsafe(1 << 16);
  #length = 0;

  /** Appends `line` (UTF-8) and a line break. */
  push(line: string): void {
    this.reserve(line.length * 3 + 1);
    this.#length += this.#buf.write(line, this.#length);
    this.#buf[this.#length++] = 10;
  }

  /** The buffer, with room for `bytes` more bytes after `length`; write, then `advance`. */
  reserve(bytes: number): Buffer {
    const need = this.#length + bytes;
    if (need > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
      this.#buf.copy(grown, 0, 0, this.#length);
      this.#buf = grown;
    }
    return this.#buf;
  }

  /** Sets the length after writing into the buffer returned by `reserve`. */
  advance(length: number): void {
    this.#length = length;
  }

  /** The bytes so far (a view: valid until the next push or clear). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#length);
  }

  get length(): number {
    return this.#length;
  }

  clear(): void {
    this.#length = 0;
  }
}
