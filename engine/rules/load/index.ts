// Rule files: loading and validating json-rules-engine JSON, the lint, the rules version and the
// holder that reloads rules while the engine runs.
export { formatIssue, RulesCompileError, RulesInvalidError, RulesParseError, RulesReadError } from "./errors.js";
export { createRulesHolder } from "./holder.js";
export { lintRules, METERFLOW_EVENT_TYPES } from "./lint.js";
export { loadRuleFiles, loadRuleFilesSync, parseRuleFile } from "./load.js";
export { RULE_ROWS } from "./types.js";
export { BUILTIN_OPERATORS, OPERATOR_DECORATORS, parseOperator } from "./operators.js";
export { ALERT_SEVERITIES } from "./validate.js";
export { canonicalJson, canonicalRules, rulesVersion } from "./version.js";
export type { RulesErrorCode } from "./errors.js";
export type { RulesHolder, RulesSnapshot } from "./holder.js";
export type { ParsedOperator } from "./operators.js";
export type {
  AllConditionJson,
  AnyConditionJson,
  ConditionJson,
  ConditionRefJson,
  EventJson,
  FactRefJson,
  LeafConditionJson,
  LintRulesOptions,
  LoadedRule,
  LoadRulesOptions,
  NamedCondition,
  NotConditionJson,
  RuleFactType,
  RuleIssue,
  RuleIssueCode,
  RuleIssueReason,
  RuleRows,
  RuleJson,
  RuleSet,
  RuleWarning,
  RuleWarningCode,
  TopLevelConditionJson,
} from "./types.js";
