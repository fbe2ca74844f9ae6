// Register consumption in bulk: the kernel, its batches and its reference implementation.
export { ConsumptionBatch } from "./batch.js";
export { COLUMNS } from "./columns.js";
export { createConsumptionKernel } from "./kernel.js";
export { computeConsumptionReference } from "./reference.js";
export { DEFAULT_MAX_WRAP_SHARE, inferDigits, MAX_DIGITS, ROLLOVER_MODE } from "./registers.js";
export type { BatchMemory } from "./batch.js";
export type { ColumnName, ConsumptionColumns } from "./columns.js";
export type { ConsumptionImplementation, ConsumptionKernel, ConsumptionKernelOptions } from "./kernel.js";
export type { RolloverMode } from "./registers.js";
