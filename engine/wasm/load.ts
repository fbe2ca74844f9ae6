// Loads the kernels module once per thread and build. Compilation is synchronous so worker
// threads can load at startup without an await; the compiled module is cached and every
// caller of the same build in a thread shares one instance and one heap.
import { readFileSync } from "node:fs";
import { KernelLoadError } from "./errors.js";
import { WasmHeap } from "./heap.js";
import { kernelsPath } from "./paths.js";

/** The two builds of `assembly/`: SIMD (WebAssembly SIMD128) and scalar. */
export type KernelBuild = "simd" | "scalar";

/** The raw exports of the kernels module (see assembly/index.ts). Pointers are byte offsets. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  consumption(
    n: number, prev: number, cur: number, scale: number, reset: number, digits: number,
    mode: number, overrides: number, prevEnd: number, end: number, outConsumption: number,
    outFlags: number, outStart: number, outDays: number, outDaily: number, maxWrapShare: number,
  ): number;
  memoryFloor(
    n: number, prev: number, cur: number, scale: number, reset: number, digits: number,
    mode: number, overrides: number, prevEnd: number, end: number, outConsumption: number,
    outFlags: number, outStart: number, outDays: number, outDaily: number,
  ): number;
  pulseIntervals(
    n: number, count: number, debouncedIn: number, minOnMs: number, minGapMs: number,
    maxClosedMs: number, loopMinMa: number, loopMaxMa: number, tamperOpen: number,
    tamperEvents: number, reverseCount: number, pulseFreeMaxMin: number, spanMin: number,
    idleDays: number, weight: number, debounceMs: number, specMinOnMs: number,
    specMinGapMs: number, shortClosedMs: number, namurLowMa: number, namurHighMa: number,
    maxPulses: number, leakSlotMin: number, noPulseDays: number, outDebounced: number,
    outConsumption: number, outFaults: number,
  ): number;
  pulseEvents(
    n: number, m: number, interval: number, t: number, onMs: number, reverse: number,
    startMs: number, endMs: number, debounceMs: number, count: number, debounced: number,
    minOnMs: number, minGapMs: number, maxClosedMs: number, reverseCount: number,
    pulseFreeMaxMin: number, spanMin: number,
  ): number;
  /** Memory floor of pulseEvents (bench only): same arguments. */
  pulseEventsFloor(
    n: number, m: number, interval: number, t: number, onMs: number, reverse: number,
    startMs: number, endMs: number, debounceMs: number, count: number, debounced: number,
    minOnMs: number, minGapMs: number, maxClosedMs: number, reverseCount: number,
    pulseFreeMaxMin: number, spanMin: number,
  ): number;
  commonPathFloor(
    n: number, prev: number, cur: number, scale: number, overrides: number, prevEnd: number,
    end: number, outConsumption: number, outFlags: number, outStart: number, outDays: number,
    outDaily: number,
  ): number;
  readonly [constant: `FLAG_${string}` | `MODE_${string}` | `STATUS_${string}`]: WebAssembly.Global;
}

/** An instantiated kernels module with the heap that owns its memory. */
export interface Kernels {
  readonly build: KernelBuild;
  readonly exports: KernelExports;
  readonly heap: WasmHeap;
}

const instances = new Map<KernelBuild, Kernels>();

/**
 * The kernels of `build` for this thread, instantiated on first use. `"auto"` picks SIMD and
 * falls back to scalar where the runtime cannot compile SIMD.
 */
export function loadKernels(build: KernelBuild | "auto" = "auto"): Kernels {
  if (build === "auto") {
    try {
      return loadKernels("simd");
    } catch (error) {
      if (error instanceof KernelLoadError && error.cause instanceof WebAssembly.CompileError) {
        return loadKernels("scalar");
      }
      throw error;
    }
  }
  const cached = instances.get(build);
  if (cached !== undefined) return cached;
  const path = kernelsPath(build);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new KernelLoadError(`cannot read ${path}: run "npm run build" first`, error);
  }
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  } catch (error) {
    throw new KernelLoadError(`cannot instantiate ${path}: ${(error as Error).message}`, error);
  }
  const exports = instance.exports as unknown as KernelExports;
  const kernels: Kernels = { build, exports, heap: new WasmHeap(exports.memory, exports.heapBase()) };
  instances.set(build, kernels);
  return kernels;
}
