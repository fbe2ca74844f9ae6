// The batch pipeline: one batch through every stage, and whole runs over files.
export { BatchProcessor } from "./processor.js";
export { defaultRuleFiles, RulesDecider } from "./rules.js";
export { RunError, runFiles } from "./run.js";
export type { BatchCounts, BatchOutput, ProcessorContext } from "./output.js";
export type { Alert, RuleDecision } from "./rules.js";
export type { RunOptions, RunSummary } from "./run.js";
