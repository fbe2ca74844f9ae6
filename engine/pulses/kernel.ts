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
  const implementation = options.implementation ?? "auto";
  if (!["auto", "simd", "scalar", "reference"].includes(implementation)) {
    throw new InvalidOptionError("implementation", '"auto", "simd", "scalar" or "reference"', implementation);
  }
  if (implementation === "reference") return new ReferenceKernel();
  let kernels: Kernels;
  try {
    kernels = loadKernels(implementation);
  } catch (error) {
    if (implementation === "auto" && error instanceof KernelLoadError) return new ReferenceKernel();
    throw error;
  }
  return new WasmKernel(kernels);
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
    checkLength(batch, length);
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
    checkLength(batch, length);
    computePulsesReference(batch.columns, length);
  }
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new InvalidOptionError("capacity", "a positive integer", capacity);
  }
}

function checkLength(batch: PulseBatch, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > batch.capacity) {
    throw new InvalidOptionError("length", `an integer from 0 to the batch capacity ${batch.capacity}`, length);
  }
}
