// A second compiler for the rules the pipeline runs on every reading: when a rule uses only
// facts that are always present and operators that cannot throw, its conditions become one
// boolean expression read with constant property names, with no bookkeeping of json-rules-engine's
// evaluation order (which only matters when a condition throws, and these cannot). Anything else
// keeps the exact compiler (compile.ts); tests hold the two to the same results.
import type { ConditionProperties, RuleProperties, TopLevelCondition } from "./types.js";

type FactsFn = (facts: Readonly<Record<string, unknown>>) => boolean;

const BASE = new Set(["equal", "notEqual", "in", "notIn", "contains", "doesNotContain", "lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive"]);

// json-rules-engine's number check is `parseFloat(a)` not NaN; for a number that is `a === a`.
function numeric(a: unknown): boolean {
  return typeof a === "number" ? a === a : !Number.isNaN(Number.parseFloat(a as string));
}
const HELPERS = {
  lt: (a: any, b: any) => numeric(a) && a < b,
  le: (a: any, b: any) => numeric(a) && a <= b,
  gt: (a: any, b: any) => numeric(a) && a > b,
  ge: (a: any, b: any) => numeric(a) && a >= b,
};

/**
 * The rule's conditions as one function, or undefined when the rule is outside the subset:
 * facts all in `known`, no `path` or `params`, no decorators, `in`/`notIn` only with a constant
 * array, condition references that resolve without cycles.
 */
export function compileFast(rule: RuleProperties, conditions: ReadonlyMap<string, ConditionProperties>, known: ReadonlySet<string>): FactsFn | undefined {
  const constants: unknown[] = [];
  const fact = (name: unknown): string | undefined =>
    typeof name === "string" && known.has(name) ? `f[${JSON.stringify(name)}]` : undefined;
  const constant = (v: unknown): string => {
    constants.push(v);
    return `K[${constants.length - 1}]`;
  };
  const expr = (c: any, seen: ReadonlySet<string>): string | undefined => {
    if (c === null || typeof c !== "object") return undefined;
    if ("condition" in c) {
      const name = c.condition;
      const target = conditions.get(name);
      if (typeof name !== "string" || target === undefined || seen.has(name)) return undefined;
      return expr(target, new Set([...seen, name]));
    }
    for (const key of ["all", "any"] as const) {
      if (key in c) {
        if (!Array.isArray(c[key])) return undefined;
        if (c[key].length === 0) return "true";
        const parts = c[key].map((x: unknown) => expr(x, seen));
        if (parts.some((p: string | undefined) => p === undefined)) return undefined;
        return `(${parts.join(key === "all" ? " && " : " || ")})`;
      }
    }
    if ("not" in c) {
      const inner = expr(c.not, seen);
      return inner === undefined ? undefined : `!(${inner})`;
    }
    return leaf(c);
  };
  const leaf = (c: any): string | undefined => {
    if (c.path !== undefined || c.params !== undefined || typeof c.operator !== "string" || !BASE.has(c.operator)) return undefined;
    const a = fact(c.fact);
    if (a === undefined) return undefined;
    const v = c.value;
    const isRef = v !== null && typeof v === "object" && !Array.isArray(v) && "fact" in v;
    let b: string | undefined;
    if (isRef) {
      if (v.path !== undefined || v.params !== undefined) return undefined;
      b = fact(v.fact);
      if (b === undefined) return undefined;
    } else if (v !== null && typeof v === "object") {
      // json-rules-engine clones constant values per run: an object is never === a fact, and
      // only `in`/`notIn` may search an array.
      if (c.operator === "in" || c.operator === "notIn") {
        if (!Array.isArray(v)) return undefined;
        return `(${constant(v)}.indexOf(${a}) ${c.operator === "in" ? ">" : "==="} -1)`;
      }
      b = undefined;
    } else {
      b = constant(v);
    }
    switch (c.operator) {
      case "equal": return b === undefined ? "false" : `(${a} === ${b})`;
      case "notEqual": return b === undefined ? "true" : `(${a} !== ${b})`;
      case "lessThan": return b === undefined ? undefined : `H.lt(${a}, ${b})`;
      case "lessThanInclusive": return b === undefined ? undefined : `H.le(${a}, ${b})`;
      case "greaterThan": return b === undefined ? undefined : `H.gt(${a}, ${b})`;
      case "greaterThanInclusive": return b === undefined ? undefined : `H.ge(${a}, ${b})`;
      case "contains": return b === undefined ? "false" : `(Array.isArray(${a}) && ${a}.indexOf(${b}) > -1)`;
      case "doesNotContain": return b === undefined ? `Array.isArray(${a})` : `(Array.isArray(${a}) && ${a}.indexOf(${b}) === -1)`;
      default: return undefined; // in / notIn with a non-array or a fact: they can throw
    }
  };
  const body = expr(rule.conditions as TopLevelCondition, new Set());
  if (body === undefined) return undefined;
  // The source holds only JSON-quoted fact names and indices into K: nothing from the rule runs.
  return new Function("K", "H", `return function rule(f) { return ${body}; };`)(constants, HELPERS) as FactsFn;
}
