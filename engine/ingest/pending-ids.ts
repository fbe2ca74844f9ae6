// Meter ids of CSV records deferred as byte spans and interned a few hundred at a time
// (MeterIndex.internSpans): interned one record at a time, each new id's probe of a large table
// waited for memory on its own. Spans point into the tokenizer's window, valid until its next
// push: the decoder flushes before a push, before it interns an id another way (indices stay in
// row order) and before it finishes a batch.
import type { MeterIndex } from "./meter-index.js";

const SPANS = 256;

export class PendingIds {
  readonly #rows = new Int32Array(SPANS);
  readonly #starts = new Int32Array(SPANS);
  readonly #ends = new Int32Array(SPANS);
  readonly #out = new Int32Array(SPANS);
  #count = 0;
  #buf: Uint8Array | undefined;
  #meter: Int32Array | undefined;
  readonly #meters: MeterIndex;

  constructor(meters: MeterIndex) {
    this.#meters = meters;
  }

  /** Defers the id `buf[start, end)` of row `row` of the batch column `meter`; flushes when full. */
  add(meter: Int32Array, row: number, buf: Uint8Array, start: number, end: number): void {
    const meters = this.#meters;
    if (meters.internSpans === undefined) {
      meter[row] = meters.internBytes(buf, start, end);
      return;
    }
    if (this.#count > 0 && (buf !== this.#buf || meter !== this.#meter)) this.flush();
    const n = this.#count;
    this.#rows[n] = row;
    this.#starts[n] = start;
    this.#ends[n] = end;
    this.#buf = buf;
    this.#meter = meter;
    this.#count = n + 1;
    if (this.#count === SPANS) this.flush();
  }

  /** Interns the deferred ids and writes their indices into their rows. */
  flush(): void {
    const n = this.#count;
    if (n === 0) return;
    this.#count = 0;
    const out = this.#out;
    this.#meters.internSpans!(this.#buf!, this.#starts, this.#ends, n, out);
    const meter = this.#meter!;
    const rows = this.#rows;
    for (let j = 0; j < n; j++) meter[rows[j]] = out[j];
    this.#buf = undefined;
    this.#meter = undefined;
  }
}
