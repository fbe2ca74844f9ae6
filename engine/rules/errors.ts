// Errors of the rules engine. Messages of run-time errors are json-rules-engine's own, word for word,
// so a caller that matched on them keeps working; codes are meterflow's.
import { MeterflowError } from "../errors.js";

/** A rule or condition is malformed (the message is json-rules-engine's for the same input). */
export class RuleInvalidError extends MeterflowError {
  override name = "RuleInvalidError";

  constructor(message: string) {
    super("MF_ERR_RULE_INVALID", message);
  }
}

/** A condition read a fact that the run did not supply (and `allowUndefinedFacts` is off). */
export class RuleUndefinedFactError extends MeterflowError {
  override name = "RuleUndefinedFactError";
  readonly fact: string;

  constructor(fact: string) {
    super("MF_ERR_RULE_UNDEFINED_FACT", `Undefined fact: ${fact}`);
    this.fact = fact;
  }
}

/** A condition referenced a name that `setCondition` never registered. */
export class RuleConditionNotFoundError extends MeterflowError {
  override name = "RuleConditionNotFoundError";

  constructor(condition: string) {
    super("MF_ERR_RULE_CONDITION_NOT_FOUND", `No condition ${condition} exists`);
  }
}

/** A condition names an operator that is neither built in nor added. */
export class RuleUnknownOperatorError extends MeterflowError {
  override name = "RuleUnknownOperatorError";

  constructor(operator: string) {
    super("MF_ERR_RULE_UNKNOWN_OPERATOR", `Unknown operator: ${operator}`);
  }
}

/** A rule cannot be compiled; the compiler catches this and delegates the rule to json-rules-engine. */
export class RuleNotCompilableError extends MeterflowError {
  override name = "RuleNotCompilableError";

  constructor(reason: string) {
    super("MF_ERR_RULE_NOT_COMPILABLE", reason);
  }
}
