// Types of the rules engine: json-rules-engine's rule JSON, the facts a rule reads, run results.

/** The facts of one evaluation: fact id -> value. A key present with `undefined` is a defined fact. */
export type FactSource = Readonly<Record<string, unknown>>;

/** A condition's `value` that reads another fact (fact-to-fact comparison). */
export interface FactReference {
  fact: string;
  path?: string;
  params?: Record<string, unknown>;
}

/** A comparison: `<fact, params, path> <operator> <value>`. */
export interface LeafCondition {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  params?: Record<string, unknown>;
  priority?: number;
  name?: string;
}

/** Every child must hold. */
export interface AllConditions {
  all: ConditionProperties[];
  priority?: number;
  name?: string;
}

/** At least one child must hold. */
export interface AnyConditions {
  any: ConditionProperties[];
  priority?: number;
  name?: string;
}

/** The child must not hold. */
export interface NotConditions {
  not: ConditionProperties;
  priority?: number;
  name?: string;
}

/** A reference to a condition registered with `setCondition(name, …)`. */
export interface ConditionReference {
  condition: string;
  priority?: number;
}

/** Any node of a condition tree. */
export type ConditionProperties =
  | LeafCondition
  | AllConditions
  | AnyConditions
  | NotConditions
  | ConditionReference;

/** The root of a rule's conditions (json-rules-engine refuses a bare comparison there). */
export type TopLevelCondition = AllConditions | AnyConditions | NotConditions | ConditionReference;

/** The event a rule emits: `params` is present only when the rule's params are truthy. */
export interface RuleEvent {
  type: string;
  params?: Record<string, unknown>;
}

/** A rule in json-rules-engine's JSON format. */
export interface RuleProperties {
  conditions: TopLevelCondition;
  event: RuleEvent;
  name?: string | number;
  priority?: number | string;
}

/** Options of `Engine`, as json-rules-engine names them. */
export interface EngineOptions {
  allowUndefinedFacts?: boolean;
  allowUndefinedConditions?: boolean;
  /** Not compiled: an engine with this option runs on json-rules-engine. */
  replaceFactsInEventParams?: boolean;
  /** Not compiled: an engine with this option runs on json-rules-engine. */
  pathResolver?: (value: object, path: string) => unknown;
}

/** Options of `addFact`; only `priority` changes a constant fact's meaning. */
export interface FactOptions {
  priority?: number;
  cache?: boolean;
}

/** A condition node annotated after a run: `factResult`, `valueResult`, `result` where evaluated. */
export type AnnotatedCondition = Record<string, unknown>;

/** One rule's outcome, shaped like json-rules-engine's `RuleResult`. */
export interface RuleResult {
  conditions: AnnotatedCondition;
  event: RuleEvent;
  priority: number;
  name: unknown;
  result: boolean;
}

/** What `Engine.run` resolves with. */
export interface RunResult {
  events: RuleEvent[];
  failureEvents: RuleEvent[];
  results: RuleResult[];
  failureResults: RuleResult[];
  /** json-rules-engine's Almanac of the run (not enumerable; built when first read). */
  readonly almanac?: import("json-rules-engine").Almanac;
}

/** An operator: `(factValue, jsonValue) -> boolean`. */
export type OperatorFn = (factValue: unknown, jsonValue: unknown) => boolean;
