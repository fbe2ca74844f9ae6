// The WebAssembly kernels runtime: loading, memory, errors.
export { KernelCallError, KernelLoadError, KernelMemoryError } from "./errors.js";
export { WasmHeap } from "./heap.js";
export { loadKernels } from "./load.js";
export type { Region } from "./heap.js";
export type { KernelBuild, KernelExports, Kernels } from "./load.js";
