// The batch pipeline: one batch through every stage, and whole runs over files.
export { decide, HOLD, holdReasons } from "./decide.js";
export { BatchProcessor } from "./processor.js";
export { RunError, runFiles } from "./run.js";
export type { HoldReason } from "./decide.js";
export type { BatchCounts, BatchOutput, ProcessorContext } from "./output.js";
export type { RunOptions, RunSummary } from "./run.js";
