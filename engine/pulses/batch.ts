// A batch of pulse interval rows: one region holding every column, in the kernels' linear
// memory for the WebAssembly builds (no copy in or out), in its own buffer for the reference.
import type { BatchMemory } from "../consumption/batch.js";
import { INPUT_COLUMNS, pulseLayout, pulseViews, THRESHOLD_COLUMNS } from "./columns.js";
import type { PulseColumnName, PulseColumns } from "./columns.js";
import { DAY_MINUTES, DEFAULT_PULSE_THRESHOLDS } from "./thresholds.js";

/** Rows of the pulse interval kernel, laid out column by column. */
export class PulseBatch {
  readonly capacity: number;
  readonly base: number;
  readonly offsets: Readonly<Record<PulseColumnName, number>>;
  readonly #memory: BatchMemory;
  #columns: PulseColumns | undefined;
  #buffer: ArrayBuffer | undefined;

  constructor(memory: BatchMemory, base: number, capacity: number) {
    this.#memory = memory;
    this.base = base;
    this.capacity = capacity;
    this.offsets = pulseLayout(capacity).offsets;
    this.clear(0, capacity);
  }

  /** Bytes a batch of `capacity` rows occupies. */
  static bytes(capacity: number): number {
    return pulseLayout(capacity).bytes;
  }

  /** Typed-array views of the columns; read again after the kernels' memory may have grown. */
  get columns(): PulseColumns {
    const buffer = this.#memory.buffer;
    if (this.#columns === undefined || this.#buffer !== buffer) {
      this.#columns = pulseViews(buffer, this.base, this.capacity, this.offsets);
      this.#buffer = buffer;
    }
    return this.#columns;
  }

  /** Pointer (byte offset in memory) of a column, for kernel calls. */
  pointer(column: PulseColumnName): number {
    return this.base + this.offsets[column];
  }

  /**
   * Resets rows [from, to): count 0, every measurement NaN (not measured), a one-day interval
   * (spanMin 1440) and the default thresholds.
   */
  clear(from = 0, to = this.capacity): void {
    const c = this.columns;
    for (const name of INPUT_COLUMNS) c[name].fill(Number.NaN, from, to);
    c.count.fill(0, from, to);
    c.spanMin.fill(DAY_MINUTES, from, to);
    for (const name of THRESHOLD_COLUMNS) c[name].fill(DEFAULT_PULSE_THRESHOLDS[name], from, to);
  }
}
