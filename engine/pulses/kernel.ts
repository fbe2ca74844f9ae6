// The pulse interval kernel behind one interface, whichever implementation runs it: the SIMD
// or scalar WebAssembly build (columns in WebAssembly memory) or the TypeScript reference.
import type { BatchMemory } from "../wasm/column-batch.js";
import { InvalidOptionError } from "../errors.js";
import { KernelCallError, KernelLoadError, loadKernels } from "../wasm/index.js";
import type { Kernels } from "../wasm/index.js";
import { PulseBatch } from "./batch.js";
import type { PulseColumnName } from "./columns.js";
import { computePulsesReference } from "./reference.js";

/** Which implementation computes pulse intervals. */
export type PulseImplementation = "simd" | "scalar" | "reference";

/** Options of {@link createPulseKernel}. */
export interface PulseKernelOptions {
  /** `"auto"` (default): SIMD, else scalar, else the reference when WebAssembly cannot load. */
  implementation?: PulseImplementation | "auto";
}

/** Computes pulse interval rows over batches; create with {@link createPulseKernel}. */
export interface PulseKernel {
  readonly implementation: PulseImplementation;
  allocate(capacity: number): PulseBatch;
  release(batch: PulseBatch): void;
  /** Computes rows [0, length) of `batch`. */
  compute(batch: PulseBatch, length: number): void;
}

/**
 * Creates a pulse interval kernel.
 *
 * @example
 * const kernel = createPulseKernel();
 * const batch = kernel.allocate(1);
 * const c = batch.columns;
 * c.count[0] = 1200; c.weight[0] = 0.01; c.minOnMs[0] = 5;
 * kernel.compute(batch, 1); // c.consumption[0] === 12, c.faults[0] === FLAG.bounce
 */
export function createPulseKernel(options: PulseKernelOptions = {}): PulseKernel {
  const kernels = kernelsFor(options.implementation);
  return kernels === undefined ? new ReferenceKernel() : new WasmKernel(kernels);
}

/**
 * The WebAssembly kernels a pulse kernel of `implementation` runs on, or undefined where the
 * TypeScript reference runs: asked for, or `"auto"` where WebAssembly cannot load.
 */
export function kernelsFor(implementation: PulseImplementation | "auto" = "auto"): Kernels | undefined {
  if (!["auto", "simd", "scalar", "reference"].includes(implementation)) {
    throw new InvalidOptionError("implementation", '"auto", "simd", "scalar" or "reference"', implementation);
  }
  if (implementation === "reference") return undefined;
  try {
    return loadKernels(implementation);
  } catch (error) {
    if (implementation === "auto" && error instanceof KernelLoadError) return undefined;
    throw error;
  }
}

class WasmKernel implements PulseKernel {
  readonly implementation: PulseImplementation;
  readonly #kernels: Kernels;
  readonly #regions = new Map<PulseBatch, ReturnType<Kernels["heap"]["alloc"]>>();

  constructor(kernels: Kernels) {
    this.#kernels = kernels;
    this.implementation = kernels.build;
  }

  allocate(capacity: number): PulseBatch {
    checkCapacity(capacity);
    const heap = this.#kernels.heap;
    const region = heap.alloc(PulseBatch.bytes(capacity));
    const batch = new PulseBatch(heap, region.ptr, capacity);
    this.#regions.set(batch, region);
    return batch;
  }

  release(batch: PulseBatch): void {
    const region = this.#regions.get(batch);
    if (region === undefined) return;
    this.#regions.delete(batch);
    this.#kernels.heap.free(region);
  }

  compute(batch: PulseBatch, length: number): void {
    checkLength(length, batch.capacity);
    const p = (name: PulseColumnName) => batch.pointer(name);
    const status = this.#kernels.exports.pulseIntervals(
      length, p("count"), p("debouncedIn"), p("minOnMs"), p("minGapMs"), p("maxClosedMs"),
      p("loopMinMa"), p("loopMaxMa"), p("tamperOpen"), p("tamperEvents"), p("reverseCount"),
      p("pulseFreeMaxMin"), p("spanMin"), p("idleDays"),
      p("weight"), p("debounceMs"), p("specMinOnMs"), p("specMinGapMs"), p("shortClosedMs"),
      p("namurLowMa"), p("namurHighMa"), p("maxPulses"), p("leakSlotMin"), p("noPulseDays"),
      p("debounced"), p("consumption"), p("faults"),
    );
    if (status !== 0) throw new KernelCallError("pulseIntervals", status);
  }
}

class ReferenceKernel implements PulseKernel {
  readonly implementation = "reference";

  allocate(capacity: number): PulseBatch {
    checkCapacity(capacity);
    const memory: BatchMemory = { buffer: new ArrayBuffer(PulseBatch.bytes(capacity)) };
    return new PulseBatch(memory, 0, capacity);
  }

  release(): void {}

  compute(batch: PulseBatch, length: number): void {
    checkLength(length, batch.capacity);
    computePulsesReference(batch.columns, length);
  }
}

/** Throws unless `capacity` (named `option`) is a positive integer. */
export function checkCapacity(capacity: number, option = "capacity"): void {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new InvalidOptionError(option, "a positive integer", capacity);
  }
}

/** Throws unless `length` (named `option`) is an integer from 0 to `capacity`. */
export function checkLength(length: number, capacity: number, option = "length"): void {
  if (!Number.isInteger(length) || length < 0 || length > capacity) {
    throw new InvalidOptionError(option, `an integer from 0 to the batch capacity ${capacity}`, length);
  }
}
