// Synthetic data for `meterflow demo`, tests and the end-to-end benchmark: a demo fleet with
// every planted case listed in a manifest, and fast writers of large clean files.
export {
  benchBaseline,
  benchMeterId,
  writeBenchMeters,
  writeBenchReadings,
} from "./bench.js";
export { DEMO_DEFAULTS, DEMO_METERS_HEADER, generateDemoData } from "./generate.js";
export { METERS_HEADER, READINGS_HEADER } from "./headers.js";
export { BAD_ROW_REASONS } from "./manifest.js";
export { MIN_DAYS, MIN_METERS } from "./limits.js";
export { WORKED_EXAMPLES, WORKED_EXAMPLES_HEADER, workedExamples } from "./worked-examples.js";
export type { WorkedExample, WorkedExampleRow } from "./worked-examples.js";
export { PULSE_EVENTS_HEADER, PULSE_METER_COLUMNS, PULSE_READINGS_HEADER } from "./pulses.js";
export type { DemoPulses } from "./pulses.js";
export { COLD_CHAIN_HEADER } from "./sensors.js";
export type { DemoSensors } from "./sensors.js";
export type { BenchFile, BenchMetersOptions, BenchReadingsOptions } from "./bench.js";
export type { DemoOptions } from "./generate.js";
export type {
  BadRowReason,
  DemoExpectation,
  DemoManifest,
  DemoRowCounts,
  DemoScenario,
  DemoScenarioKind,
} from "./manifest.js";
