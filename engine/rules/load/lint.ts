// lintRules: warnings about rules that validate but probably do not mean what they say: the
// json-rules-engine behaviours DESIGN.md lists (substring `in`, text comparisons, wildcard paths,
// `contains` on scalars, empty all/any, `===` and NaN), unknown facts, event types meterflow does
// not act on, and keys json-rules-engine ignores.
import { childPath } from "./json-path.js";
import { lintOperator } from "./lint-operator.js";
import type { Operand } from "./lint-operator.js";
import type { LintRulesOptions, RuleSet, RuleWarning, RuleWarningCode } from "./types.js";

/** Event types meterflow acts on. */
export const METERFLOW_EVENT_TYPES: readonly string[] = Object.freeze(["temp_bad", "hold", "alert"]);

const KEYS = {
  rule: ["name", "priority", "conditions", "event"],
  event: ["type", "params"],
  leaf: ["fact", "operator", "value", "path", "params", "priority", "name"],
  factRef: ["fact", "path", "params"],
  all: ["all", "priority", "name"],
  any: ["any", "priority", "name"],
  not: ["not", "priority", "name"],
  condition: ["condition", "priority", "name"],
} as const;

/** JSONPath forms that can match several values (the result is then an array, or undefined). */
const MULTI_MATCH = /\[\*\]|\.\*|\.\.|\[\?|\[[^\]'"]*[,:][^\]'"]*\]/;

interface LintContext {
  file: string;
  plugin: string | undefined;
  rule: string | null;
  options: LintRulesOptions;
  customOperators: ReadonlySet<string>;
  warnings: RuleWarning[];
}

/**
 * Lints a validated rule set; never throws. Warnings are in file order, then document order.
 *
 * @example
 * for (const w of lintRules(ruleSet, { factTypes: factTypes() })) console.warn(`${w.file} ${w.path}: ${w.message}`);
 */
export function lintRules(ruleSet: RuleSet, options: LintRulesOptions = {}): RuleWarning[] {
  const warnings: RuleWarning[] = [];
  const customOperators = new Set(options.customOperators ?? []);
  const eventTypes = options.eventTypes ?? METERFLOW_EVENT_TYPES;
  for (const file of ruleSet.files) {
    for (const named of ruleSet.conditions.filter((c) => c.file === file)) {
      lintCondition({ file, plugin: named.plugin, rule: null, options, customOperators, warnings }, named.conditions, named.pointer);
    }
    for (const { rule, pointer, plugin } of ruleSet.rules.filter((r) => r.file === file)) {
      const ctx: LintContext = { file, plugin, rule: rule.name, options, customOperators, warnings };
      unknownKeys(ctx, rule, KEYS.rule, pointer);
      lintCondition(ctx, rule.conditions, childPath(pointer, "conditions"));
      const eventAt = childPath(pointer, "event");
      unknownKeys(ctx, rule.event, KEYS.event, eventAt);
      if (!eventTypes.includes(rule.event.type)) {
        warn(ctx, "MF_WARN_RULES_UNKNOWN_EVENT", childPath(eventAt, "type"), `meterflow does not act on events of type "${rule.event.type}"`);
      }
    }
  }
  return warnings;
}

function warn(ctx: LintContext, code: RuleWarningCode, path: string, message: string): void {
  ctx.warnings.push({ code, file: ctx.file, ...(ctx.plugin === undefined ? {} : { plugin: ctx.plugin }), rule: ctx.rule, path, message });
}

function unknownKeys(ctx: LintContext, node: object, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) warn(ctx, "MF_WARN_RULES_UNKNOWN_KEY", childPath(path, key), `json-rules-engine ignores "${key}" here`);
  }
}

function lintCondition(ctx: LintContext, node: object, path: string): void {
  const n = node as Record<string, unknown>;
  for (const kind of ["all", "any"] as const) {
    if (!Array.isArray(n[kind])) continue;
    unknownKeys(ctx, n, KEYS[kind], path);
    const items = n[kind] as object[];
    if (items.length === 0) warn(ctx, "MF_WARN_RULES_EMPTY_BOOLEAN", childPath(path, kind), `an empty "${kind}" is always true`);
    items.forEach((item, i) => lintCondition(ctx, item, childPath(childPath(path, kind), i)));
    return;
  }
  if (typeof n.not === "object" && n.not !== null) {
    unknownKeys(ctx, n, KEYS.not, path);
    return lintCondition(ctx, n.not, childPath(path, "not"));
  }
  if (typeof n.condition === "string") return unknownKeys(ctx, n, KEYS.condition, path);
  unknownKeys(ctx, n, KEYS.leaf, path);
  const left = factOperand(ctx, n, path);
  const valueAt = childPath(path, "value");
  const value = n.value;
  let right: Operand;
  if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, "fact")) {
    unknownKeys(ctx, value, KEYS.factRef, valueAt);
    right = factOperand(ctx, value as Record<string, unknown>, valueAt);
  } else {
    right = { kind: "literal", values: [value], at: valueAt };
  }
  lintOperator(String(n.operator), left, right, ctx.customOperators, (code, at, message) => warn(ctx, code, at, message));
}

/** The operand of `{ fact, path?, params? }`, after checking the fact's name and path. */
function factOperand(ctx: LintContext, ref: Record<string, unknown>, path: string): Operand {
  const name = String(ref.fact);
  const factAt = childPath(path, "fact");
  const factTypes = ctx.options.factTypes;
  const type = factTypes !== undefined && Object.prototype.hasOwnProperty.call(factTypes, name) ? factTypes[name] : undefined;
  if (factTypes !== undefined && type === undefined) warn(ctx, "MF_WARN_RULES_UNKNOWN_FACT", factAt, `meterflow has no fact "${name}"`);
  if (typeof ref.path !== "string") return { kind: "fact", name, type, at: factAt };
  const pathAt = childPath(path, "path");
  if (MULTI_MATCH.test(ref.path)) {
    warn(ctx, "MF_WARN_RULES_WILDCARD_PATH", pathAt, `path "${ref.path}" can match several values: one match gives [x], none gives undefined`);
  }
  if (type === "number" || type === "string" || type === "boolean") {
    warn(ctx, "MF_WARN_RULES_PATH_ON_SCALAR", pathAt, `path is ignored on the ${type} fact "${name}"`);
    return { kind: "fact", name, type, at: factAt };
  }
  return { kind: "fact", name, type: undefined, at: factAt };
}
