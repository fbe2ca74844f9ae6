// The WebAssembly kernels runtime: loading, memory, column batches, errors.
export { ColumnBatch, layoutColumns } from "./column-batch.js";
export { KernelCallError, KernelLoadError, KernelMemoryError } from "./errors.js";
export { WasmHeap } from "./heap.js";
export { loadKernels } from "./load.js";
export type { BatchMemory, ColumnSpec } from "./column-batch.js";
export type { Region } from "./heap.js";
export type { KernelBuild, KernelExports, Kernels } from "./load.js";
