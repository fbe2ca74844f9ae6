// Helpers of the rule-loading tests: rule files written to a temp directory, small rule builders,
// and the issues of a load that is expected to fail validation.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { loadRuleFiles, RulesInvalidError } from "../../../../engine/rules/load/index.js";
import type { LoadRulesOptions, RuleIssue } from "../../../../engine/rules/load/index.js";
import { tempDir } from "../../../helpers/tmp.js";

/** Returns a writer of files into a fresh temp dir: JSON values are stringified, strings kept as is. */
export function ruleFiles(prefix: string): (content: unknown, name?: string) => string {
  const dir = tempDir(`meterflow-${prefix}-`);
  let n = 0;
  return (content, name) => {
    const path = join(dir, name ?? `rules-${++n}.json`);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return path;
  };
}

/** A leaf condition. */
export const leaf = (fact: string, operator: string, value: unknown): Record<string, unknown> => ({ fact, operator, value });

/** A rule holding a hold event, conditions `{ all: [...] }` unless given whole. */
export function rule(name: string, conditions: unknown = { all: [leaf("zero", "equal", true)] }, event: unknown = { type: "hold", params: { reason: "test" } }): Record<string, unknown> {
  return { name, conditions, event };
}

/** The issues of a load that must fail (MF_ERR_RULES_INVALID, or the one specific code all its issues have). */
export async function issuesOf(paths: string[], options?: LoadRulesOptions): Promise<RuleIssue[]> {
  const error = await loadRuleFiles(paths, options).then(
    () => expect.fail("expected the rules not to validate"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RulesInvalidError);
  const codes = new Set((error as RulesInvalidError).issues.map((i) => i.code));
  expect((error as RulesInvalidError).code).toBe(codes.size === 1 ? [...codes][0] : "MF_ERR_RULES_INVALID");
  return [...(error as RulesInvalidError).issues];
}

/** Issues reduced to what tests compare: reason, path and rule. */
export const brief = (issues: RuleIssue[]): Array<[string, string, string | number | null]> =>
  issues.map((i) => [i.reason, i.path, i.rule]);
