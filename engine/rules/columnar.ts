// Rules over columns: a batch's facts as typed arrays, each rule's conditions evaluated for all
// rows at once into a mask, in one fused loop per rule. For the rules fast.ts
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
 * The rule as a columnar evaluator, or undefined when a condition is outside what columns
 * express: facts not in `kinds`, paths, params, decorators, `in`/`notIn`/`contains`, constants
 * that are not numbers, booleans or null.
 */
export function compileColumnar(rule: RuleProperties, conditions: ReadonlyMap<string, ConditionProperties>,
  kinds: Readonly<Record<string, "number" | "boolean">>): ColumnarRule | undefined {
  // Each column's arrays are read into locals once, before the loop.
  const locals = new Map<string, string>();
  const column = (name: unknown): string | undefined => {
    if (typeof name !== "string" || kinds[name] === undefined) return undefined;
    let local = locals.get(name);
    if (local === undefined) locals.set(name, (local = `c${locals.size}`));
    return local;
  };
  // The whole condition tree as one expression of row i: one fused loop per rule. The tests
  // cannot throw, so && and || may stop early without changing the result.
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
    const a = column(c.fact);
    if (a === undefined) return undefined;
    const v = c.value;
    const isRef = v !== null && typeof v === "object" && !Array.isArray(v) && "fact" in v;
    let test: string | undefined;
    if (isRef) {
      if (v.path !== undefined || v.params !== undefined) return undefined;
      const b = column(v.fact);
      if (b === undefined) return undefined;
      test = refTest(c.operator, kinds[c.fact], kinds[v.fact], a, b);
    } else if (v === null || typeof v === "number" || typeof v === "boolean") {
      test = constTest(c.operator, kinds[c.fact], a, v);
    }
    return test === undefined ? undefined : `(${test})`;
  };
  const expr = node(rule.conditions as TopLevelCondition, new Set());
  if (expr === undefined) return undefined;
  const head = [...locals].map(([name, local]) =>
    `const ${local}v = C[${JSON.stringify(name)}].values, ${local}n = C[${JSON.stringify(name)}].isNull;`).join("\n");
  // The source holds only JSON-quoted fact names, numbers, booleans and operators: nothing from the rule runs.
  return new Function("C", "n", "out", `${head}\nfor (let i = 0; i < n; i++) out[i] = ${expr} ? 1 : 0;`) as ColumnarRule;
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
