// The lint of one leaf's operator: follows the operands through the decorators the way
// json-rules-engine applies them (outermost first; swap exchanges them, someFact/everyFact and
// someValue/everyValue step into arrays), then checks what the base operator will be handed.
import { parseOperator } from "./operators.js";
import type { RuleFactType, RuleWarningCode } from "./types.js";

/** What the lint knows about one side of a comparison. */
export type Operand =
  | { kind: "literal"; values: unknown[]; at: string }
  | { kind: "fact"; name: string; type: RuleFactType | undefined; at: string };

/** Receives a warning about an operand (its path) from the operator lint. */
export type OperandWarn = (code: RuleWarningCode, at: string, message: string) => void;

const NUMERIC = new Set(["lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive"]);
const SCALAR: ReadonlySet<RuleFactType | undefined> = new Set(["number", "string", "boolean"]);
const NAN_TEXT = /^[+-]?nan$/i;

/** Lints `operator` applied to the fact side `left` and the value side `right`. */
export function lintOperator(operator: string, left: Operand, right: Operand, customOperators: ReadonlySet<string>, warn: OperandWarn): void {
  const parsed = parseOperator(operator, customOperators);
  if (parsed === null) return;
  let [l, r] = [left, right];
  for (const decorator of parsed.decorators) {
    if (decorator === "swap") [l, r] = [r, l];
    else if (decorator === "someFact" || decorator === "everyFact") {
      if (!maybeArray(l)) warn("MF_WARN_RULES_DECORATOR_NOT_ARRAY", l.at, `"${decorator}" on ${describe(l, Array.isArray)} is always false: it needs an array`);
      l = elements(l);
    } else if (decorator === "someValue" || decorator === "everyValue") {
      if (!maybeArray(r)) warn("MF_WARN_RULES_DECORATOR_NOT_ARRAY", r.at, `"${decorator}" on ${describe(r, Array.isArray)} throws: it needs an array`);
      r = elements(r);
    }
  }
  const base = parsed.base;
  if (base === "in" || base === "notIn") {
    if (!maybeArray(r)) {
      warn("MF_WARN_RULES_IN_NOT_ARRAY", r.at, `"${base}" with ${describe(r, Array.isArray)}: a string is searched for a substring, a number or null throws`);
    }
  } else if (base === "contains" || base === "doesNotContain") {
    if (!maybeArray(l)) warn("MF_WARN_RULES_CONTAINS_SCALAR", l.at, `"${base}" on ${describe(l, Array.isArray)} is always false: it needs an array`);
  } else if (NUMERIC.has(base)) {
    for (const side of [l, r]) {
      if (!maybeNumber(side)) warn("MF_WARN_RULES_NUMERIC_NOT_NUMBER", side.at, `"${base}" with ${describe(side, isNumber)}: JavaScript compares strings as text and coerces the rest`);
    }
  } else if (base === "equal" || base === "notEqual") {
    lintEqual(base, l, r, warn);
  }
}

function lintEqual(base: string, l: Operand, r: Operand, warn: OperandWarn): void {
  for (const side of [l, r]) {
    if (side.kind === "literal" && side.values.some((v) => typeof v === "string" && NAN_TEXT.test(v))) {
      warn("MF_WARN_RULES_EQUAL_NAN", side.at, `"${base}" with the string "NaN": it never equals a number, and NaN never equals anything`);
    }
  }
  const lt = typeOf(l);
  const rt = typeOf(r);
  if (lt === undefined || rt === undefined || lt === rt) return;
  const at = l.kind === "fact" ? r.at : l.at;
  warn("MF_WARN_RULES_EQUAL_TYPE", at, `"${base}" compares a ${lt} with a ${rt}: === is never true between them`);
}

/** A side's single known type when every candidate value has it (null is any fact's "absent"). */
function typeOf(side: Operand): RuleFactType | undefined {
  if (side.kind === "fact") return side.type;
  const types = new Set(side.values.filter((v) => v !== null).map(jsonType));
  return types.size === 1 ? [...types][0] : undefined;
}

function jsonType(value: unknown): RuleFactType {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return typeof value as RuleFactType;
  return "object";
}

function maybeArray(side: Operand): boolean {
  if (side.kind === "fact") return side.type === undefined || side.type === "array";
  return side.values.every(Array.isArray);
}

function maybeNumber(side: Operand): boolean {
  if (side.kind === "fact") return side.type === undefined || side.type === "number";
  return side.values.every((v) => typeof v === "number");
}

/** The operand a someFact/everyFact/someValue/everyValue decorator hands on: one element. */
function elements(side: Operand): Operand {
  if (side.kind === "fact") return { ...side, type: undefined };
  return { kind: "literal", values: side.values.flatMap((v) => (Array.isArray(v) ? v : [])), at: side.at };
}

/** Names a side for a message; for a literal, the first value that fails `ok`. */
function describe(side: Operand, ok: (value: unknown) => boolean): string {
  if (side.kind === "fact") return SCALAR.has(side.type) || side.type === "object" ? `the ${side.type} fact "${side.name}"` : `fact "${side.name}"`;
  return `the value ${JSON.stringify(side.values.find((v) => !ok(v)))}`;
}

const isNumber = (value: unknown): boolean => typeof value === "number";
