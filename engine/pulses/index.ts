// Pulse meters in bulk: the interval kernel, its batches, its reference and default thresholds;
// the event kernel that summarises raw pulse events into the interval kernel's inputs.
export { PulseBatch } from "./batch.js";
export { INPUT_COLUMNS, PULSE_COLUMNS, THRESHOLD_COLUMNS } from "./columns.js";
export { PulseEventBatch } from "./events/batch.js";
export { EVENT_INTERVAL_COLUMNS, EVENT_INTERVAL_INPUTS, EVENT_INTERVAL_OUTPUTS, PULSE_EVENT_COLUMNS } from "./events/columns.js";
export { createPulseEventKernel } from "./events/kernel.js";
export { computePulseEventsReference, eventsInOrder } from "./events/reference.js";
export { STATUS_UNSORTED } from "./events/status.js";
export { createPulseKernel } from "./kernel.js";
export { computePulsesReference } from "./reference.js";
export { DAY_MINUTES, DEFAULT_PULSE_THRESHOLDS, maxPulsesFor, shortClosedLimit } from "./thresholds.js";
export type { InputColumn, PulseColumnName, PulseColumns, ThresholdColumn } from "./columns.js";
export type {
  EventIntervalColumnName,
  EventIntervalColumns,
  EventIntervalInput,
  EventIntervalOutput,
  PulseEventColumnName,
  PulseEventColumns,
} from "./events/columns.js";
export type { PulseEventKernel, PulseEventKernelOptions } from "./events/kernel.js";
export type { PulseImplementation, PulseKernel, PulseKernelOptions } from "./kernel.js";
