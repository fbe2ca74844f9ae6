// meterflow's programmatic API (the package entry `meterflow`).
export {
  COLUMNS,
  computeConsumptionReference,
  ConsumptionBatch,
  createConsumptionKernel,
  DEFAULT_MAX_WRAP_SHARE,
  inferDigits,
  MAX_DIGITS,
  ROLLOVER_MODE,
} from "./consumption/index.js";
export { InvalidOptionError, MeterflowError } from "./errors.js";
export { FLAG, flagMask, flagNames } from "./flags/index.js";
export { defaultRuleFiles, RulesDecider, RunError, runFiles } from "./runtime/index.js";
export { dayFromCivil, formatDay, parseDay } from "./time/index.js";
export { KernelCallError, KernelLoadError, KernelMemoryError, loadKernels } from "./wasm/index.js";
export type {
  ColumnName,
  ConsumptionColumns,
  ConsumptionImplementation,
  ConsumptionKernel,
  ConsumptionKernelOptions,
  RolloverMode,
} from "./consumption/index.js";
export type { MeterflowErrorOptions } from "./errors.js";
export type { FlagName } from "./flags/index.js";
export type { RunOptions, RunSummary } from "./runtime/index.js";
export type { KernelBuild, Kernels } from "./wasm/index.js";
