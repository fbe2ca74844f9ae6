// json-rules-engine's operator names: the ten built-ins and the decorator prefixes that chain in
// front of them (`not:someFact:equal`), split the way its OperatorMap.get splits them.

/** The built-in operators of json-rules-engine 7. */
export const BUILTIN_OPERATORS: readonly string[] = Object.freeze([
  "equal",
  "notEqual",
  "in",
  "notIn",
  "contains",
  "doesNotContain",
  "lessThan",
  "lessThanInclusive",
  "greaterThan",
  "greaterThanInclusive",
]);

/** The built-in operator decorators of json-rules-engine 7. */
export const OPERATOR_DECORATORS: readonly string[] = Object.freeze([
  "not",
  "swap",
  "everyFact",
  "someFact",
  "everyValue",
  "someValue",
]);

/** An operator name split into its decorators (outermost first) and the operator they wrap. */
export interface ParsedOperator {
  decorators: string[];
  base: string;
}

/**
 * Splits `name` into decorators and a base operator, or returns null when it names no operator.
 * As in json-rules-engine, a name registered as a whole (a custom operator containing `:`) wins
 * over splitting it.
 */
export function parseOperator(name: string, customOperators: ReadonlySet<string>): ParsedOperator | null {
  const known = (op: string): boolean => BUILTIN_OPERATORS.includes(op) || customOperators.has(op);
  const decorators: string[] = [];
  let rest = name;
  while (!known(rest)) {
    const colon = rest.indexOf(":");
    if (colon <= 0) return null;
    const decorator = rest.slice(0, colon);
    if (!OPERATOR_DECORATORS.includes(decorator)) return null;
    decorators.push(decorator);
    rest = rest.slice(colon + 1);
  }
  return { decorators, base: rest };
}
