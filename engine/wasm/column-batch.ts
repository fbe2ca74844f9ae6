// A batch of kernel rows: one region holding every column, laid out column by column. For the
// WebAssembly builds the region lives in the kernels' linear memory, so callers write inputs
// straight where a kernel reads them and read results where it wrote them: no copy in or out.
// Each kernel's batch (consumption, pulses) names its columns and how rows are cleared.

type ArrayCtor = Float64ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor;

/** Column names and element types, in layout order. */
export type ColumnSpec<N extends string> = ReadonlyArray<readonly [N, ArrayCtor]>;

/** Where a batch's bytes live: the kernels' memory (whose buffer changes on growth) or its own. */
export interface BatchMemory {
  readonly buffer: ArrayBuffer;
}

/** Byte offset of each column for `capacity` rows, each aligned to 64 bytes, and the total. */
export function layoutColumns<N extends string>(spec: ColumnSpec<N>, capacity: number): { offsets: Record<N, number>; bytes: number } {
  const offsets = {} as Record<N, number>;
  let at = 0;
  for (const [name, ctor] of spec) {
    offsets[name] = at;
    at += Math.ceil((capacity * ctor.BYTES_PER_ELEMENT) / 64) * 64;
  }
  return { offsets, bytes: at };
}

export abstract class ColumnBatch<N extends string, C> {
  /** Rows the columns can hold. */
  readonly capacity: number;
  /** Byte offset of the region in its memory (a pointer, for WebAssembly memory). */
  readonly base: number;
  /** Byte offset of each column relative to `base`. */
  readonly offsets: Readonly<Record<N, number>>;
  readonly #spec: ColumnSpec<N>;
  readonly #memory: BatchMemory;
  #columns: C | undefined;
  #buffer: ArrayBuffer | undefined;

  constructor(spec: ColumnSpec<N>, memory: BatchMemory, base: number, capacity: number) {
    this.#spec = spec;
    this.#memory = memory;
    this.base = base;
    this.capacity = capacity;
    this.offsets = layoutColumns(spec, capacity).offsets;
  }

  /**
   * Typed-array views of the columns. They stay valid until the kernels' memory grows
   * (allocating another batch can do that); read `columns` again after such a call: it
   * rebuilds the views only when the buffer changed, so reading it per batch costs nothing.
   */
  get columns(): C {
    const buffer = this.#memory.buffer;
    if (this.#columns === undefined || this.#buffer !== buffer) {
      const views = {} as Record<N, unknown>;
      for (const [name, ctor] of this.#spec) views[name] = new ctor(buffer, this.base + this.offsets[name], this.capacity);
      this.#columns = views as unknown as C;
      this.#buffer = buffer;
    }
    return this.#columns;
  }

  /** Pointer (byte offset in memory) of a column, for kernel calls. */
  pointer(column: N): number {
    return this.base + this.offsets[column];
  }

  /** Resets the inputs of rows [from, to) to the kernel's defaults. */
  abstract clear(from?: number, to?: number): void;
}
