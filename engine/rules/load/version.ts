// rulesVersion: a short hash identifying what a rule set says, independent of whitespace, key
// order, file order and how the rules are split into files (rules are keyed by their unique
// names, named conditions by theirs). Decisions record it next to the rule name.
import { createHash } from "node:crypto";
import type { RuleSet } from "./types.js";

/**
 * The first 16 hex digits of the sha256 of the rule set's canonical JSON.
 *
 * @example
 * const version = rulesVersion(await loadRuleFiles(paths)); // "3f9a0c1d2b4e5f60"
 */
export function rulesVersion(ruleSet: RuleSet): string {
  return createHash("sha256").update(canonicalRules(ruleSet)).digest("hex").slice(0, 16);
}

/** The canonical JSON text of a rule set: `{"conditions":{...},"rules":[...]}`, sorted. */
export function canonicalRules(ruleSet: RuleSet): string {
  // A rule evaluated on sensor rows means something else than the same rule on reading rows.
  const rules = [...ruleSet.rules].map((r) => (r.rows === undefined || r.rows === "reading" ? r.rule : { ...r.rule, "(rows)": r.rows }))
    .sort((a, b) => compare(a.name, b.name));
  const conditions: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const named of ruleSet.conditions) conditions[named.name] = named.conditions;
  return canonicalJson({ conditions, rules });
}

/** JSON with object keys sorted by code unit at every level; array order is kept. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort(compare);
    const record = value as Record<string, unknown>;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
