// A batch of consumption rows: one region holding every column. For the WebAssembly builds
// the region lives in the kernels' linear memory, so callers write their inputs straight where
// the kernel reads them and read results where it wrote them: no copy in or out.
import { layout, views } from "./columns.js";
import type { ColumnName, ConsumptionColumns } from "./columns.js";

/** Where a batch's bytes live: the kernels' memory (whose buffer changes on growth) or its own. */
export interface BatchMemory {
  readonly buffer: ArrayBuffer;
}

/** Rows of the consumption kernel, laid out column by column. */
export class ConsumptionBatch {
  /** Rows the columns can hold. */
  readonly capacity: number;
  /** Byte offset of the region in its memory (a pointer, for WebAssembly memory). */
  readonly base: number;
  /** Byte offset of each column relative to `base`. */
  readonly offsets: Readonly<Record<ColumnName, number>>;
  readonly #memory: BatchMemory;
  #columns: ConsumptionColumns | undefined;
  #buffer: ArrayBuffer | undefined;

  constructor(memory: BatchMemory, base: number, capacity: number) {
    this.#memory = memory;
    this.base = base;
    this.capacity = capacity;
    this.offsets = layout(capacity).offsets;
    this.clear(0, capacity);
  }

  /** Bytes a batch of `capacity` rows occupies. */
  static bytes(capacity: number): number {
    return layout(capacity).bytes;
  }

  /**
   * Typed-array views of the columns. They stay valid until the kernels' memory grows
   * (allocating another batch can do that); read `columns` again after such a call: it
   * rebuilds the views only when the buffer changed, so reading it per batch costs nothing.
   */
  get columns(): ConsumptionColumns {
    const buffer = this.#memory.buffer;
    if (this.#columns === undefined || this.#buffer !== buffer) {
      this.#columns = views(buffer, this.base, this.capacity, this.offsets);
      this.#buffer = buffer;
    }
    return this.#columns;
  }

  /** Pointer (byte offset in memory) of a column, for kernel calls. */
  pointer(column: ColumnName): number {
    return this.base + this.offsets[column];
  }

  /**
   * Resets the inputs of rows [from, to) to "nothing configured": no previous reading,
   * scaling factor 1, no reset value, inferred digits, documented mode, no override.
   */
  clear(from = 0, to = this.capacity): void {
    const c = this.columns;
    c.prev.fill(Number.NaN, from, to);
    c.cur.fill(0, from, to);
    c.scale.fill(1, from, to);
    c.reset.fill(Number.NaN, from, to);
    c.digits.fill(0, from, to);
    c.mode.fill(0, from, to);
    c.override.fill(Number.NaN, from, to);
    c.prevEnd.fill(0, from, to);
    c.end.fill(0, from, to);
  }
}
