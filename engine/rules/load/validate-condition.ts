// The hand-written schema of json-rules-engine conditions: all/any/not, condition references,
// leaves with fact, operator, value, path, params and priority. Records every problem (it never
// stops at the first) and every condition reference, which are resolved once all files are read.
import { childPath } from "./json-path.js";
import { parseOperator } from "./operators.js";
import type { RuleIssue, RuleIssueCode, RuleIssueReason } from "./types.js";

/** A `{ "condition": name }` reference and where it is. */
export interface ConditionRefSite {
  name: string;
  file: string;
  rule: string | number | null;
  path: string;
}

/** Where issues go while validating one rule or named condition. */
export interface ValidationContext {
  file: string;
  rule: string | number | null;
  customOperators: ReadonlySet<string>;
  /** The facts that exist; undefined when fact names are not checked. */
  facts?: ReadonlySet<string>;
  issues: RuleIssue[];
  refs: ConditionRefSite[];
}

const KINDS = ["all", "any", "not", "condition", "fact"] as const;

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `value` has `key` as its own property (json-rules-engine tests keys this way). */
export function has(value: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/** Records one issue. */
export function report(ctx: ValidationContext, reason: RuleIssueReason, path: string, message: string, code: RuleIssueCode = "MF_ERR_RULES_INVALID"): void {
  ctx.issues.push({ code, reason, file: ctx.file, rule: ctx.rule, path, message });
}

/** Reports `fact` at `path` when fact names are checked and no such fact exists. */
function checkFact(ctx: ValidationContext, fact: unknown, path: string): void {
  if (ctx.facts === undefined || typeof fact !== "string" || fact === "" || ctx.facts.has(fact)) return;
  const near = nearest(fact, ctx.facts);
  const hint = near === undefined ? "" : ` (did you mean "${near}"?)`;
  report(ctx, "unknown_fact", path, `unknown fact "${fact}"${hint}: neither the engine nor a loaded plugin provides it`, "MF_ERR_RULES_UNKNOWN_FACT");
}

/** The known name closest to `name` (edit distance at most 2, or a third of its length), if any. */
export function nearest(name: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Checks an optional or required non-empty string property. */
export function checkString(ctx: ValidationContext, obj: Record<string, unknown>, key: string, path: string, required: boolean): void {
  const at = childPath(path, key);
  if (!has(obj, key)) {
    if (required) report(ctx, "required", at, `"${key}" is required`);
    return;
  }
  const value = obj[key];
  if (typeof value !== "string") report(ctx, "type", at, `"${key}" must be a string`);
  else if (value === "") report(ctx, "empty", at, `"${key}" must not be empty`);
}

/** Checks an optional priority: an integer >= 1. */
export function checkPriority(ctx: ValidationContext, obj: Record<string, unknown>, path: string): void {
  if (!has(obj, "priority")) return;
  const value = obj.priority;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    report(ctx, "priority", childPath(path, "priority"), `"priority" must be an integer >= 1`);
  }
}

/** Checks an optional `params` object. */
function checkParams(ctx: ValidationContext, obj: Record<string, unknown>, path: string): void {
  if (has(obj, "params") && !isObject(obj.params)) report(ctx, "type", childPath(path, "params"), `"params" must be an object`);
}

/**
 * Validates a condition node at `path`. A rule's `conditions` and a named condition are
 * `topLevel`: they must be all, any, not or a condition reference, as json-rules-engine requires.
 */
export function validateCondition(ctx: ValidationContext, node: unknown, path: string, topLevel: boolean): void {
  if (!isObject(node)) {
    report(ctx, "type", path, "a condition must be an object");
    return;
  }
  const kinds = KINDS.filter((kind) => has(node, kind));
  if (kinds.length === 0) {
    report(ctx, "condition_shape", path, `a condition needs one of "all", "any", "not", "condition" or "fact"`);
    return;
  }
  if (kinds.length > 1) {
    report(ctx, "condition_shape", path, `a condition has only one of ${kinds.map((k) => `"${k}"`).join(", ")}`);
    return;
  }
  const kind = kinds[0];
  checkPriority(ctx, node, path);
  if (has(node, "name") && typeof node.name !== "string") report(ctx, "type", childPath(path, "name"), `"name" must be a string`);
  if (kind === "fact") {
    if (topLevel) report(ctx, "top_level", path, `the top level must be "all", "any", "not" or "condition", not a fact`);
    validateLeaf(ctx, node, path);
  } else if (kind === "all" || kind === "any") {
    const items = node[kind];
    const at = childPath(path, kind);
    if (!Array.isArray(items)) report(ctx, "type", at, `"${kind}" must be an array`);
    else items.forEach((item, i) => validateCondition(ctx, item, childPath(at, i), false));
  } else if (kind === "not") {
    const at = childPath(path, "not");
    if (!isObject(node.not)) report(ctx, "type", at, `"not" must be one condition object`);
    else validateCondition(ctx, node.not, at, false);
  } else {
    checkString(ctx, node, "condition", path, true);
    if (typeof node.condition === "string" && node.condition !== "") {
      ctx.refs.push({ name: node.condition, file: ctx.file, rule: ctx.rule, path: childPath(path, "condition") });
    }
  }
}

function validateLeaf(ctx: ValidationContext, node: Record<string, unknown>, path: string): void {
  checkString(ctx, node, "fact", path, true);
  checkFact(ctx, node.fact, childPath(path, "fact"));
  checkString(ctx, node, "operator", path, true);
  checkString(ctx, node, "path", path, false);
  checkParams(ctx, node, path);
  const operator = node.operator;
  if (typeof operator === "string" && operator !== "" && parseOperator(operator, ctx.customOperators) === null) {
    report(ctx, "operator", childPath(path, "operator"), `unknown operator "${operator}"`, "MF_ERR_RULES_UNKNOWN_OPERATOR");
  }
  if (!has(node, "value")) {
    report(ctx, "required", childPath(path, "value"), `"value" is required`);
    return;
  }
  // json-rules-engine reads any object value with a "fact" key as a reference to that fact.
  const value = node.value;
  if (isObject(value) && has(value, "fact")) {
    const at = childPath(path, "value");
    checkString(ctx, value, "fact", at, true);
    checkFact(ctx, value.fact, childPath(at, "fact"));
    checkString(ctx, value, "path", at, false);
    checkParams(ctx, value, at);
  }
}
