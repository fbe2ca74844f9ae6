// Pulse meters in bulk: the interval kernel, its batches, its reference and default thresholds.
export { PulseBatch } from "./batch.js";
export { INPUT_COLUMNS, PULSE_COLUMNS, THRESHOLD_COLUMNS } from "./columns.js";
export { createPulseKernel } from "./kernel.js";
export { computePulsesReference } from "./reference.js";
export { DAY_MINUTES, DEFAULT_PULSE_THRESHOLDS, maxPulsesFor, shortClosedLimit } from "./thresholds.js";
export type { InputColumn, PulseColumnName, PulseColumns, ThresholdColumn } from "./columns.js";
export type { PulseImplementation, PulseKernel, PulseKernelOptions } from "./kernel.js";
