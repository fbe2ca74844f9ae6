// The consumption kernel behind one interface, whichever implementation runs it: the SIMD or
// scalar WebAssembly build (columns in WebAssembly memory) or the TypeScript reference.
import { InvalidOptionError } from "../errors.js";
import { KernelCallError, KernelLoadError, loadKernels } from "../wasm/index.js";
import type { Kernels } from "../wasm/index.js";
import { ConsumptionBatch } from "./batch.js";
import type { BatchMemory } from "../wasm/column-batch.js";
import { computeConsumptionReference } from "./reference.js";
import { DEFAULT_MAX_WRAP_SHARE } from "./registers.js";

/** Which implementation computes consumption. */
export type ConsumptionImplementation = "simd" | "scalar" | "reference";

/** Options of {@link createConsumptionKernel}. */
export interface ConsumptionKernelOptions {
  /**
   * `"auto"` (default): the SIMD build, else the scalar build, else the reference when
   * WebAssembly cannot be loaded at all.
   */
  implementation?: ConsumptionImplementation | "auto";
  /**
   * A rollover whose wrap implies more than this share of the register range in one period is
   * flagged `implausible_rollover` (rule 8). Default 0.5.
   */
  maxWrapShare?: number;
}

/** Computes consumption over batches; create with {@link createConsumptionKernel}. */
export interface ConsumptionKernel {
  readonly implementation: ConsumptionImplementation;
  readonly maxWrapShare: number;
  /** A batch of `capacity` rows whose columns the kernel reads and writes in place. */
  allocate(capacity: number): ConsumptionBatch;
  /** Gives a batch's memory back for reuse; the batch must not be used afterwards. */
  release(batch: ConsumptionBatch): void;
  /** Computes rows [0, length) of `batch`. */
  compute(batch: ConsumptionBatch, length: number): void;
}

/**
 * Creates a consumption kernel.
 *
 * @example
 * const kernel = createConsumptionKernel();
 * const batch = kernel.allocate(2);
 * const c = batch.columns;
 * c.prev[0] = 145; c.cur[0] = 160; c.prevEnd[0] = 20422; c.end[0] = 20452;
 * kernel.compute(batch, 1); // c.consumption[0] === 15, c.days[0] === 30
 */
export function createConsumptionKernel(options: ConsumptionKernelOptions = {}): ConsumptionKernel {
  const implementation = options.implementation ?? "auto";
  if (!["auto", "simd", "scalar", "reference"].includes(implementation)) {
    throw new InvalidOptionError("implementation", '"auto", "simd", "scalar" or "reference"', implementation);
  }
  const maxWrapShare = options.maxWrapShare ?? DEFAULT_MAX_WRAP_SHARE;
  if (typeof maxWrapShare !== "number" || !(maxWrapShare > 0) || !Number.isFinite(maxWrapShare)) {
    throw new InvalidOptionError("maxWrapShare", "a finite number above 0", maxWrapShare);
  }
  if (implementation === "reference") return new ReferenceKernel(maxWrapShare);
  let kernels: Kernels;
  try {
    kernels = loadKernels(implementation);
  } catch (error) {
    if (implementation === "auto" && error instanceof KernelLoadError) return new ReferenceKernel(maxWrapShare);
    throw error;
  }
  return new WasmKernel(kernels, maxWrapShare);
}

class WasmKernel implements ConsumptionKernel {
  readonly implementation: ConsumptionImplementation;
  readonly maxWrapShare: number;
  readonly #kernels: Kernels;
  readonly #regions = new Map<ConsumptionBatch, ReturnType<Kernels["heap"]["alloc"]>>();

  constructor(kernels: Kernels, maxWrapShare: number) {
    this.#kernels = kernels;
    this.implementation = kernels.build;
    this.maxWrapShare = maxWrapShare;
  }

  allocate(capacity: number): ConsumptionBatch {
    checkCapacity(capacity);
    const heap = this.#kernels.heap;
    const region = heap.alloc(ConsumptionBatch.bytes(capacity));
    const batch = new ConsumptionBatch(heap, region.ptr, capacity);
    this.#regions.set(batch, region);
    return batch;
  }

  release(batch: ConsumptionBatch): void {
    const region = this.#regions.get(batch);
    if (region === undefined) return;
    this.#regions.delete(batch);
    this.#kernels.heap.free(region);
  }

  compute(batch: ConsumptionBatch, length: number): void {
    checkLength(batch, length);
    const p = (name: Parameters<ConsumptionBatch["pointer"]>[0]) => batch.pointer(name);
    const status = this.#kernels.exports.consumption(
      length, p("prev"), p("cur"), p("scale"), p("reset"), p("digits"), p("mode"), p("override"),
      p("prevEnd"), p("end"), p("consumption"), p("flags"), p("start"), p("days"), p("daily"),
      this.maxWrapShare,
    );
    if (status !== 0) throw new KernelCallError("consumption", status);
  }
}

class ReferenceKernel implements ConsumptionKernel {
  readonly implementation = "reference";
  readonly maxWrapShare: number;

  constructor(maxWrapShare: number) {
    this.maxWrapShare = maxWrapShare;
  }

  allocate(capacity: number): ConsumptionBatch {
    checkCapacity(capacity);
    const memory: BatchMemory = { buffer: new ArrayBuffer(ConsumptionBatch.bytes(capacity)) };
    return new ConsumptionBatch(memory, 0, capacity);
  }

  release(): void {}

  compute(batch: ConsumptionBatch, length: number): void {
    checkLength(batch, length);
    computeConsumptionReference(batch.columns, length, this.maxWrapShare);
  }
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new InvalidOptionError("capacity", "a positive integer", capacity);
  }
}

function checkLength(batch: ConsumptionBatch, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > batch.capacity) {
    throw new InvalidOptionError("length", `an integer from 0 to the batch capacity ${batch.capacity}`, length);
  }
}
