// Rules: json-rules-engine's rule format compiled into synchronous closures, an Engine with its
// API, the facts of a reading, and rule files (loading, lint, version, reload).
export { compileRule, compileRules } from "./compile.js";
export { Engine } from "./engine.js";
export {
  RuleConditionNotFoundError,
  RuleInvalidError,
  RuleNotCompilableError,
  RuleUndefinedFactError,
  RuleUnknownOperatorError,
} from "./errors.js";
export { createFacts, FACTS, factTypes, FLAG_FACTS, SPIKE_FACTORS } from "./facts.js";
export {
  createRulesHolder,
  lintRules,
  loadRuleFiles,
  loadRuleFilesSync,
  METERFLOW_EVENT_TYPES,
  RulesCompileError,
  RulesInvalidError,
  RulesParseError,
  RulesReadError,
  rulesVersion,
  RULE_ROWS,
} from "./load/index.js";
export { BUILTIN_DECORATORS, BUILTIN_OPERATORS, resolveOperator } from "./operators.js";
export { parsePath, resolvePath } from "./path.js";
export type { CompiledRule, CompiledRuleSet, CompileOptions, ConditionNode, FallbackRule } from "./compile.js";
export type { FactSpec, FactType, ReadingFacts } from "./facts.js";
export type {
  LintRulesOptions,
  LoadedRule,
  LoadRulesOptions,
  NamedCondition,
  RuleIssue,
  RuleIssueCode,
  RuleIssueReason,
  RuleRows,
  RuleJson,
  RulesHolder,
  RuleSet,
  RulesSnapshot,
  RuleWarning,
  RuleWarningCode,
} from "./load/index.js";
export type { CompiledPath } from "./path.js";
export type {
  AllConditions,
  AnnotatedCondition,
  AnyConditions,
  ConditionProperties,
  ConditionReference,
  EngineOptions,
  FactOptions,
  FactReference,
  FactSource,
  LeafCondition,
  NotConditions,
  OperatorFn,
  RuleEvent,
  RuleProperties,
  RuleResult,
  RunResult,
  TopLevelCondition,
} from "./types.js";
