// JSON paths as issues and warnings print them: `rules[2].conditions.all[1].operator`, with
// bracketed quotes for keys that are not identifiers (`conditions["has-history"]`).

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The path of a child: a key of an object or an index of an array. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === "" ? key : `${parent}.${key}`;
}
