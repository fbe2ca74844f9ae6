// The shapes of rule files once validated (json-rules-engine's JSON format, with meterflow's
// required rule names), the loaded rule set, and the issues and warnings reported about them.
import type {
  AllConditions, AnyConditions, ConditionProperties, ConditionReference, FactReference, LeafCondition, NotConditions,
  RuleEvent, TopLevelCondition,
} from "../types.js";

// The condition and event shapes are the rules engine's own (engine/rules/types.ts), named as the
// loader names them.
/** A reference to a fact as a condition's value: `{ "fact": "average_daily_high" }`. */
export type FactRefJson = FactReference;
/** A leaf condition: fact, operator and value. */
export type LeafConditionJson = LeafCondition;
/** `all` of the nested conditions (true when empty). */
export type AllConditionJson = AllConditions;
/** `any` of the nested conditions (true when empty, as in json-rules-engine). */
export type AnyConditionJson = AnyConditions;
/** The negation of one nested condition. */
export type NotConditionJson = NotConditions;
/** A reference to a named condition (json-rules-engine's `setCondition`). */
export type ConditionRefJson = ConditionReference;
/** What a rule's `conditions` and a named condition may be. */
export type TopLevelConditionJson = TopLevelCondition;
/** Any condition node. */
export type ConditionJson = ConditionProperties;
/** The event a rule fires. */
export type EventJson = RuleEvent;

/** One rule as written in a file; `name` is required and unique across the rule set. */
export interface RuleJson {
  name: string;
  priority?: number;
  conditions: TopLevelConditionJson;
  event: EventJson;
}

/**
 * Which rows a rule file's rules are evaluated on (the file's `"rows"`, default `"reading"`):
 * reading rows (a register value: the rules can hold, flag temp_bad and alert), sensor rows
 * (channel values only: the rules can only alert) or both.
 */
export type RuleRows = "reading" | "sensor" | "both";

/** The values of a rule file's `"rows"`. */
export const RULE_ROWS: readonly RuleRows[] = Object.freeze(["reading", "sensor", "both"]);

/** A rule with where it came from. `pointer` is its JSON path in the file (`rules[2]`, `[2]` or ``). */
export interface LoadedRule {
  file: string;
  index: number;
  pointer: string;
  rule: RuleJson;
  /** The rows its file's rules are evaluated on. */
  rows: RuleRows;
  /** The plugin whose rule file it is (its alerts are named `<plugin>/<rule>`); absent for rule files. */
  plugin?: string;
}

/** A shared named condition with where it came from (`pointer` like `conditions.has-history`). */
export interface NamedCondition {
  file: string;
  /** The plugin whose rule file it is in; absent for rule files. */
  plugin?: string;
  name: string;
  pointer: string;
  conditions: TopLevelConditionJson;
}

/** A validated set of rules from one or more files. Treat as read-only (not frozen: json-rules-engine writes into condition objects). */
export interface RuleSet {
  files: readonly string[];
  rules: readonly LoadedRule[];
  conditions: readonly NamedCondition[];
}

/** Why a rule file does not validate (stable; tests match on these). */
export type RuleIssueReason =
  | "file_shape"
  | "required"
  | "type"
  | "empty"
  | "enum"
  | "priority"
  | "condition_shape"
  | "top_level"
  | "operator"
  | "duplicate_name"
  | "duplicate_condition"
  | "unknown_condition"
  | "condition_cycle"
  | "unknown_fact"
  | "unknown_event"
  | "characters"
  | "rows";

/**
 * Codes of validation issues: a misspelt fact or operator has its own, and so has an event type
 * meterflow does not act on in a plugin's rule file (in a user's rule file it is the lint's
 * warning MF_WARN_RULES_UNKNOWN_EVENT).
 */
export type RuleIssueCode = "MF_ERR_RULES_INVALID" | "MF_ERR_RULES_UNKNOWN_FACT" | "MF_ERR_RULES_UNKNOWN_OPERATOR" | "MF_ERR_RULES_UNKNOWN_EVENT";

/** One validation error: where (file, rule name or index, JSON path) and why. */
export interface RuleIssue {
  code: RuleIssueCode;
  reason: RuleIssueReason;
  file: string;
  /** The rule's name, its index in the file when it has no usable name, null outside rules. */
  rule: string | number | null;
  /** JSON path in the file, e.g. `rules[2].conditions.all[1].operator`; `` for the whole file. */
  path: string;
  message: string;
}

/** Stable codes of the lint's warnings. */
export type RuleWarningCode =
  | "MF_WARN_RULES_IN_NOT_ARRAY"
  | "MF_WARN_RULES_NUMERIC_NOT_NUMBER"
  | "MF_WARN_RULES_WILDCARD_PATH"
  | "MF_WARN_RULES_CONTAINS_SCALAR"
  | "MF_WARN_RULES_DECORATOR_NOT_ARRAY"
  | "MF_WARN_RULES_PATH_ON_SCALAR"
  | "MF_WARN_RULES_UNKNOWN_FACT"
  | "MF_WARN_RULES_EMPTY_BOOLEAN"
  | "MF_WARN_RULES_EQUAL_NAN"
  | "MF_WARN_RULES_EQUAL_TYPE"
  | "MF_WARN_RULES_UNKNOWN_EVENT"
  | "MF_WARN_RULES_UNKNOWN_KEY"
  | "MF_WARN_RULES_NO_HOLDS";

/** One lint warning: the rule works, but probably not as its author meant. */
export interface RuleWarning {
  code: RuleWarningCode;
  file: string;
  /** The plugin whose rule file it is about; absent for rule files. */
  plugin?: string;
  /** The rule's name; null for a warning inside a named condition. */
  rule: string | null;
  path: string;
  message: string;
}

/** The type of a fact as the lint knows it. */
export type RuleFactType = "number" | "string" | "boolean" | "array" | "object";

/** Options of loadRuleFiles (and of a rules holder's reloads). */
export interface LoadRulesOptions {
  /** Operators registered with the engine besides the built-ins (decorators apply to them too). */
  customOperators?: readonly string[];
  /** Rule files given as parsed JSON (plugins' rule files, with their plugin), validated after the files read. */
  inline?: ReadonlyArray<{ file: string; json: unknown; plugin?: string }>;
  /**
   * Every fact the rules may name (the engine's reading facts, the plugins' channels and derived
   * facts): a fact outside it is an issue `MF_ERR_RULES_UNKNOWN_FACT`. Without it, fact names are
   * not checked.
   */
  facts?: readonly string[];
}

/** Options of lintRules (`customOperators` as given to loadRuleFiles). */
export interface LintRulesOptions extends LoadRulesOptions {
  /** meterflow's facts and their types; without it, fact names and types are not checked. */
  factTypes?: Readonly<Record<string, RuleFactType>>;
  /** Event types meterflow acts on; default `temp_bad`, `hold`, `alert`. */
  eventTypes?: readonly string[];
}
