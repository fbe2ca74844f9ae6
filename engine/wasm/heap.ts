// A small allocator over a kernels instance's linear memory. Columns are laid out by the
// caller (engine/consumption/batch.ts) inside regions allocated here. The kernels never
// allocate, so this is the only owner of memory above the module's static data.
import { KernelMemoryError } from "./errors.js";

const PAGE = 65536;
/** wasm32 addresses 4 GiB; V8 caps a memory at 65536 pages. */
const MAX_PAGES = 65536;

/** A block of linear memory: byte offset and size. */
export interface Region {
  readonly ptr: number;
  readonly bytes: number;
}

/**
 * Bump allocation with reuse: a freed region is kept and handed out again to a request it can
 * hold (first fit), and freeing the topmost region lowers the top. Batches are long-lived and
 * few, so this stays simple on purpose.
 */
export class WasmHeap {
  readonly #memory: WebAssembly.Memory;
  #top: number;
  #free: Region[] = [];

  constructor(memory: WebAssembly.Memory, base: number) {
    this.#memory = memory;
    this.#top = alignUp(base, 64);
  }

  /** The current buffer: it changes whenever memory grows, which detaches old views. */
  get buffer(): ArrayBuffer {
    return this.#memory.buffer;
  }

  /** Allocates `bytes` bytes aligned to 64, growing memory when needed. */
  alloc(bytes: number): Region {
    const size = alignUp(Math.max(bytes, 1), 64);
    const reuse = this.#free.findIndex((r) => r.bytes >= size);
    if (reuse >= 0) return this.#free.splice(reuse, 1)[0];
    const ptr = this.#top;
    this.#ensure(ptr + size);
    this.#top = ptr + size;
    return { ptr, bytes: size };
  }

  /** Returns a region for reuse. */
  free(region: Region): void {
    this.#free.push(region);
    // Give the top back while the topmost regions are free.
    for (let i = this.#free.findIndex((r) => r.ptr + r.bytes === this.#top); i >= 0;
      i = this.#free.findIndex((r) => r.ptr + r.bytes === this.#top)) {
      this.#top = this.#free[i].ptr;
      this.#free.splice(i, 1);
    }
  }

  #ensure(end: number): void {
    const have = this.#memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new KernelMemoryError(`cannot hold ${end} bytes: WebAssembly memory is limited to 4 GiB`);
    }
    try {
      this.#memory.grow(pages);
    } catch (error) {
      throw new KernelMemoryError(`WebAssembly memory could not grow by ${pages} pages`, error);
    }
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
