// The pulse event kernel behind one interface, whichever implementation runs it: the SIMD or
// scalar WebAssembly build (columns in WebAssembly memory) or the TypeScript reference.
// Semantics: assembly/pulse-events.ts (header) and ./reference.ts.
import type { BatchMemory } from "../../wasm/column-batch.js";
import type { Kernels, Region } from "../../wasm/index.js";
import { checkCapacity, checkLength, kernelsFor } from "../kernel.js";
import type { PulseImplementation, PulseKernelOptions } from "../kernel.js";
import { PulseEventBatch } from "./batch.js";
import type { EventIntervalColumnName, PulseEventColumnName } from "./columns.js";
import { computePulseEventsReference } from "./reference.js";
import { pulseEventsError, STATUS_OK } from "./status.js";

/** Options of {@link createPulseEventKernel}: as for the interval kernel. */
export type PulseEventKernelOptions = PulseKernelOptions;

/** Summarises raw pulse events into intervals; create with {@link createPulseEventKernel}. */
export interface PulseEventKernel {
  readonly implementation: PulseImplementation;
  allocate(eventCapacity: number, intervalCapacity: number): PulseEventBatch;
  release(batch: PulseEventBatch): void;
  /**
   * Summarises events [0, events) of `batch` into intervals [0, intervals). Throws a
   * KernelCallError (code MF_ERR_KERNEL_CALL) when the events are not sorted by interval, then
   * time; no output is written then.
   */
  compute(batch: PulseEventBatch, events: number, intervals: number): void;
}

/**
 * Creates a pulse event kernel.
 *
 * @example
 * const kernel = createPulseEventKernel();
 * const batch = kernel.allocate(3, 1);
 * const e = batch.events;
 * e.t.set([1000, 1045, 9000]); // a 40 ms pulse, a 2 ms bounce spike 5 ms after it, a pulse
 * e.onMs.set([40, 2, 40]);     // interval 0 (the default) from 0 to 24 h, debounce 10 ms
 * kernel.compute(batch, 3, 1);
 * batch.intervals.count[0];     // 3
 * batch.intervals.debounced[0]; // 2
 */
export function createPulseEventKernel(options: PulseEventKernelOptions = {}): PulseEventKernel {
  const kernels = kernelsFor(options.implementation);
  return kernels === undefined ? new ReferenceKernel() : new WasmKernel(kernels);
}

class WasmKernel implements PulseEventKernel {
  readonly implementation: PulseImplementation;
  readonly #kernels: Kernels;
  readonly #regions = new Map<PulseEventBatch, Region>();

  constructor(kernels: Kernels) {
    this.#kernels = kernels;
    this.implementation = kernels.build;
  }

  allocate(eventCapacity: number, intervalCapacity: number): PulseEventBatch {
    checkCapacities(eventCapacity, intervalCapacity);
    const heap = this.#kernels.heap;
    const region = heap.alloc(PulseEventBatch.bytes(eventCapacity, intervalCapacity));
    const batch = new PulseEventBatch(heap, region.ptr, eventCapacity, intervalCapacity);
    this.#regions.set(batch, region);
    return batch;
  }

  release(batch: PulseEventBatch): void {
    const region = this.#regions.get(batch);
    if (region === undefined) return;
    this.#regions.delete(batch);
    this.#kernels.heap.free(region);
  }

  compute(batch: PulseEventBatch, events: number, intervals: number): void {
    checkCounts(batch, events, intervals);
    const p = (name: PulseEventColumnName | EventIntervalColumnName) => batch.pointer(name);
    const status = this.#kernels.exports.pulseEvents(
      events, intervals, p("interval"), p("t"), p("onMs"), p("reverse"),
      p("startMs"), p("endMs"), p("debounceMs"),
      p("count"), p("debounced"), p("minOnMs"), p("minGapMs"), p("maxClosedMs"), p("reverseCount"),
      p("pulseFreeMaxMin"), p("spanMin"),
    );
    if (status !== STATUS_OK) throw pulseEventsError(status);
  }
}

class ReferenceKernel implements PulseEventKernel {
  readonly implementation = "reference";

  allocate(eventCapacity: number, intervalCapacity: number): PulseEventBatch {
    checkCapacities(eventCapacity, intervalCapacity);
    const memory: BatchMemory = { buffer: new ArrayBuffer(PulseEventBatch.bytes(eventCapacity, intervalCapacity)) };
    return new PulseEventBatch(memory, 0, eventCapacity, intervalCapacity);
  }

  release(): void {}

  compute(batch: PulseEventBatch, events: number, intervals: number): void {
    checkCounts(batch, events, intervals);
    const status = computePulseEventsReference(batch.events, batch.intervals, events, intervals);
    if (status !== STATUS_OK) throw pulseEventsError(status);
  }
}

function checkCapacities(eventCapacity: number, intervalCapacity: number): void {
  checkCapacity(eventCapacity, "eventCapacity");
  checkCapacity(intervalCapacity, "intervalCapacity");
}

function checkCounts(batch: PulseEventBatch, events: number, intervals: number): void {
  checkLength(events, batch.eventCapacity, "events");
  checkLength(intervals, batch.intervalCapacity, "intervals");
}
