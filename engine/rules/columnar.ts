// Rules over columns: a batch's facts as typed arrays, a rule's conditions evaluated for all rows
// at once in one fused loop (a rule set's rules in one loop, a bit each). For the rules fast.ts
// accepts whose facts are numbers or booleans: the same results as evaluating row by row (tests
// hold them to it), at a few nanoseconds per condition and row.
import type { ConditionProperties, RuleProperties, TopLevelCondition } from "./types.js";

/** A number fact for rows [0, n): values, and 1 where the fact is null. */
export interface NumberColumn {
  kind: "number";
  values: Float64Array;
  isNull: Uint8Array;
}

/** A boolean fact for rows [0, n): 0 false, 1 true, 2 null. */
export interface BooleanColumn {
  kind: "boolean";
  values: Uint8Array;
}

export type FactColumn = NumberColumn | BooleanColumn;

/** Evaluates a rule for rows [0, n), setting `out[i]` to 1 where it fires, 0 elsewhere. */
export type ColumnarRule = (columns: Readonly<Record<string, FactColumn>>, n: number, out: Uint8Array) => void;

const RELATIONAL: Readonly<Record<string, string>> = { lessThan: "<", lessThanInclusive: "<=", greaterThan: ">", greaterThanInclusive: ">=" };

/**
 * Evaluates a set of rules for rows [0, n), setting `fired[i]` to the bits of the rules that fire
 * on row i (bit r for the r-th rule of the set; at most 32 rules).
 */
export type ColumnarRuleSet = (columns: Readonly<Record<string, FactColumn>>, n: number, fired: Uint32Array) => void;

/** Rules in a set, at most: one bit each per row. */
export const MAX_SET_RULES = 32;

/**
 * The rule as a columnar evaluator, or undefined when a condition is outside what columns
 * express: facts not in `kinds`, paths, params, decorators, `in`/`notIn`/`contains`, constants
 * that are not numbers, booleans or null.
 */
export function compileColumnar(rule: RuleProperties, conditions: ReadonlyMap<string, ConditionProperties>,
  kinds: Readonly<Record<string, "number" | "boolean">>): ColumnarRule | undefined {
  const locals = new Locals(kinds);
  const expr = expression(rule, conditions, locals);
  if (expr === undefined) return undefined;
  // The source holds only JSON-quoted fact names, numbers, booleans and operators: nothing from the rule runs.
  return new Function("C", "n", "out", `${locals.head()}\nfor (let i = 0; i < n; i++) out[i] = ${expr} ? 1 : 0;`) as ColumnarRule;
}

/**
 * The rules as one columnar evaluator (undefined when one of them has none, or there are more
 * than MAX_SET_RULES): one loop over the rows, each row's bits set by every rule in turn, its
 * facts read once into the processor's registers and cache. Measured against a loop per rule into
 * a mask and a pass per rule to set the bits (docs/benchmarks.md, "2026-12-06, 15:10-15:45 UTC").
 */
export function compileColumnarSet(rules: readonly RuleProperties[], conditions: ReadonlyMap<string, ConditionProperties>,
  kinds: Readonly<Record<string, "number" | "boolean">>): ColumnarRuleSet | undefined {
  if (rules.length > MAX_SET_RULES) return undefined;
  const locals = new Locals(kinds);
  const tests: string[] = [];
  for (let r = 0; r < rules.length; r++) {
    const expr = expression(rules[r], conditions, locals);
    if (expr === undefined) return undefined;
    tests.push(`if (${expr}) b |= ${(1 << r) | 0};`);
  }
  // As compileColumnar: only JSON-quoted fact names, numbers, booleans and operators in the source.
  return new Function("C", "n", "fired", `${locals.head()}\nfor (let i = 0; i < n; i++) {\nlet b = 0;\n${tests.join("\n")}\nfired[i] = b;\n}`) as ColumnarRuleSet;
}

/** The fact columns an evaluator reads, each column's arrays read into locals once, before the loop. */
class Locals {
  readonly #names = new Map<string, string>();
  constructor(readonly kinds: Readonly<Record<string, "number" | "boolean">>) {}

  /** The local of a fact's column; undefined for a fact not in `kinds`. */
  of(name: unknown): string | undefined {
    if (typeof name !== "string" || this.kinds[name] === undefined) return undefined;
    let local = this.#names.get(name);
    if (local === undefined) this.#names.set(name, (local = `c${this.#names.size}`));
    return local;
  }

  head(): string {
    return [...this.#names].map(([name, local]) =>
      `const ${local}v = C[${JSON.stringify(name)}].values, ${local}n = C[${JSON.stringify(name)}].isNull;`).join("\n");
  }
}

/**
 * The rule's whole condition tree as one expression of row i, or undefined when a condition is
 * outside what columns express. The tests cannot throw, so && and || may stop early without
 * changing the result.
 */
function expression(rule: RuleProperties, conditions: ReadonlyMap<string, ConditionProperties>, locals: Locals): string | undefined {
  const { kinds } = locals;
  const node = (c: any, seen: ReadonlySet<string>): string | undefined => {
    if (c === null || typeof c !== "object") return undefined;
    if ("condition" in c) {
      const target = conditions.get(c.condition);
      if (typeof c.condition !== "string" || target === undefined || seen.has(c.condition)) return undefined;
      return node(target, new Set([...seen, c.condition]));
    }
    for (const key of ["all", "any"] as const) {
      if (!(key in c)) continue;
      if (!Array.isArray(c[key])) return undefined;
      if (c[key].length === 0) return "true";
      const kids = c[key].map((k: unknown) => node(k, seen));
      if (kids.some((k: string | undefined) => k === undefined)) return undefined;
      return `(${(kids as string[]).join(key === "all" ? " && " : " || ")})`;
    }
    if ("not" in c) {
      const inner = node(c.not, seen);
      return inner === undefined ? undefined : `!(${inner})`;
    }
    return leaf(c);
  };
  const leaf = (c: any): string | undefined => {
    if (c.path !== undefined || c.params !== undefined || typeof c.operator !== "string") return undefined;
    const a = locals.of(c.fact);
    if (a === undefined) return undefined;
    const v = c.value;
    const isRef = v !== null && typeof v === "object" && !Array.isArray(v) && "fact" in v;
    let test: string | undefined;
    if (isRef) {
      if (v.path !== undefined || v.params !== undefined) return undefined;
      const b = locals.of(v.fact);
      if (b === undefined) return undefined;
      test = refTest(c.operator, kinds[c.fact], kinds[v.fact], a, b);
    } else if (v === null || typeof v === "number" || typeof v === "boolean") {
      test = constTest(c.operator, kinds[c.fact], a, v);
    }
    return test === undefined ? undefined : `(${test})`;
  };
  return node(rule.conditions as TopLevelCondition, new Set());
}

// json-rules-engine: relational operators need parseFloat(fact) not NaN, then compare with JS `<`
// (a null right side compares as 0); `equal` is ===; booleans are never numeric.
function constTest(op: string, kind: "number" | "boolean", a: string, v: number | boolean | null): string | undefined {
  const value = Number.isNaN(v as number) ? "NaN" : JSON.stringify(v);
  if (kind === "number") {
    if (op === "equal" || op === "notEqual") {
      const eq = v === null ? `${a}n[i] === 1` : typeof v === "number" ? `${a}n[i] === 0 && ${a}v[i] === ${value}` : "false";
      return op === "equal" ? eq : `!(${eq})`;
    }
    const rel = RELATIONAL[op];
    if (rel === undefined) return undefined;
    const b = v === null ? "0" : value;
    return `${a}n[i] === 0 && ${a}v[i] === ${a}v[i] && ${a}v[i] ${rel} ${b}`;
  }
  if (op === "equal" || op === "notEqual") {
    const code = v === null ? 2 : v === true ? 1 : v === false ? 0 : -1;
    const eq = code < 0 ? "false" : `${a}v[i] === ${code}`;
    return op === "equal" ? eq : `!(${eq})`;
  }
  return RELATIONAL[op] === undefined ? undefined : "false";
}

function refTest(op: string, aKind: "number" | "boolean", bKind: "number" | "boolean", a: string, b: string): string | undefined {
  if (aKind !== "number" || bKind !== "number") {
    if (op === "equal" || op === "notEqual") {
      if (aKind !== bKind) return undefined;
      const eq = `${a}v[i] === ${b}v[i]`;
      return op === "equal" ? eq : `!(${eq})`;
    }
    return RELATIONAL[op] === undefined ? undefined : aKind === "boolean" ? "false" : undefined;
  }
  if (op === "equal" || op === "notEqual") {
    const eq = `(${a}n[i] === 1 ? ${b}n[i] === 1 : ${b}n[i] === 0 && ${a}v[i] === ${b}v[i])`;
    return op === "equal" ? eq : `!${eq}`;
  }
  const rel = RELATIONAL[op];
  if (rel === undefined) return undefined;
  return `${a}n[i] === 0 && ${a}v[i] === ${a}v[i] && ${a}v[i] ${rel} (${b}n[i] === 1 ? 0 : ${b}v[i])`;
}
