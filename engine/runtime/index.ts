// The batch pipeline: one batch through every stage, and whole runs over files.
export { BatchRunner } from "./batches.js";
export { defaultRuleFiles, RulesDecider } from "../decide/rules.js";
export { RunError, runFiles } from "./run.js";
export type { BatchCounts, BatchOutput, DecideContext } from "../decide/output.js";
export type { ProcessorContext } from "./context.js";
export type { Alert, RuleDecision } from "../decide/rules.js";
export type { RunOptions, RunSummary } from "./run.js";
