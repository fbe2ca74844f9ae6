// json-rules-engine's ten operators and six decorators as plain functions, composed once per
// condition. Validators, coercions and the TypeErrors of `in`/`someValue` on non-arrays are
// reproduced exactly (the messages are the ones V8 gives json-rules-engine's own source).
import type { OperatorFn } from "./types.js";

function numeric(a: unknown): boolean {
  return Number.parseFloat(a as string).toString() !== "NaN";
}

// `b.indexOf(a)` as json-rules-engine writes it, with V8's message when `b` has no indexOf.
function indexIn(b: any, a: unknown): number {
  if (b == null) throw new TypeError(`Cannot read properties of ${b} (reading 'indexOf')`);
  const fn = b.indexOf;
  if (typeof fn !== "function") throw new TypeError("b.indexOf is not a function");
  return fn.call(b, a);
}

const BASE: Readonly<Record<string, OperatorFn>> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  in: (a, b) => indexIn(b, a) > -1,
  notIn: (a, b) => indexIn(b, a) === -1,
  contains: (a, b) => Array.isArray(a) && a.indexOf(b) > -1,
  doesNotContain: (a, b) => Array.isArray(a) && a.indexOf(b) === -1,
  lessThan: (a: any, b: any) => numeric(a) && a < b,
  lessThanInclusive: (a: any, b: any) => numeric(a) && a <= b,
  greaterThan: (a: any, b: any) => numeric(a) && a > b,
  greaterThanInclusive: (a: any, b: any) => numeric(a) && a >= b,
};

// `jsonValue.some(...)` / `.every(...)` as the decorators write it.
function method(b: any, name: "some" | "every"): void {
  if (b == null) throw new TypeError(`Cannot read properties of ${b} (reading '${name}')`);
  if (typeof b[name] !== "function") throw new TypeError(`jsonValue.${name} is not a function`);
}

type Decorator = (next: OperatorFn) => OperatorFn;

const DECORATORS: Readonly<Record<string, Decorator>> = {
  someFact: (next) => (a, b) => {
    if (!Array.isArray(a)) return false;
    for (let i = 0; i < a.length; i++) if (i in a && next(a[i], b)) return true;
    return false;
  },
  everyFact: (next) => (a, b) => {
    if (!Array.isArray(a)) return false;
    for (let i = 0; i < a.length; i++) if (i in a && !next(a[i], b)) return false;
    return true;
  },
  someValue: (next) => (a, b: any) => {
    method(b, "some");
    if (!Array.isArray(b)) return b.some((jv: unknown) => next(a, jv));
    for (let i = 0; i < b.length; i++) if (i in b && next(a, b[i])) return true;
    return false;
  },
  everyValue: (next) => (a, b: any) => {
    method(b, "every");
    if (!Array.isArray(b)) return b.every((jv: unknown) => next(a, jv));
    for (let i = 0; i < b.length; i++) if (i in b && !next(a, b[i])) return false;
    return true;
  },
  swap: (next) => (a, b) => next(b, a),
  not: (next) => (a, b) => !next(a, b),
};

/** The names json-rules-engine knows without `addOperator`. */
export const BUILTIN_OPERATORS: readonly string[] = Object.keys(BASE);

/** The decorator names json-rules-engine knows without `addOperatorDecorator`. */
export const BUILTIN_DECORATORS: readonly string[] = Object.keys(DECORATORS);

const hasOwn = Object.prototype.hasOwnProperty;

/** Splits `"not:someFact:lessThan"` as json-rules-engine's OperatorMap.get does; undefined if unknown. */
export function operatorParts(name: string): { decorators: string[]; base: string } | undefined {
  const decorators: string[] = [];
  let opName = name;
  while (!hasOwn.call(BASE, opName)) {
    const i = opName.indexOf(":");
    if (i <= 0) return undefined;
    const d = opName.slice(0, i);
    if (!hasOwn.call(DECORATORS, d)) return undefined;
    decorators.push(d);
    opName = opName.slice(i + 1);
  }
  return { decorators, base: opName };
}

/** The composed operator for a (possibly decorated) name, or undefined when json-rules-engine would say "Unknown operator". */
export function resolveOperator(name: string): OperatorFn | undefined {
  const parts = operatorParts(name);
  if (parts === undefined) return undefined;
  let op = BASE[parts.base];
  for (let i = parts.decorators.length - 1; i >= 0; i--) op = DECORATORS[parts.decorators[i]](op);
  return op;
}
