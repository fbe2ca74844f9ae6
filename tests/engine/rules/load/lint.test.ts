// The rule lint: each dangerous form json-rules-engine accepts gives its warning code at the
// JSON path of the offending part, and the default rules lint clean against meterflow's facts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { factTypes } from "../../../../engine/rules/facts.js";
import { lintRules, loadRuleFiles } from "../../../../engine/rules/load/index.js";
import type { LintRulesOptions, RuleFactType } from "../../../../engine/rules/load/index.js";
import { leaf, rule, ruleFiles } from "./files.js";

const file = ruleFiles("lint");
const FACTS: Record<string, RuleFactType> = {
  daily: "number",
  source: "string",
  zero: "boolean",
  faults: "array",
  meter: "object",
};

/** Lints one rule with the given conditions; returns [code, path] pairs. */
async function lintOne(conditions: unknown, options: LintRulesOptions = { factTypes: FACTS }): Promise<Array<[string, string]>> {
  const set = await loadRuleFiles([file({ rules: [rule("r", conditions)] })], options);
  const warnings = lintRules(set, options);
  expect(warnings.every((w) => w.rule === "r" && w.file === set.files[0])).toBe(true);
  return warnings.map((w) => [w.code, w.path]);
}

describe("lintRules", () => {
  it("warns about in/notIn with a value that is not an array", async () => {
    expect(await lintOne({ all: [leaf("source", "in", "manual,import"), leaf("daily", "notIn", 5), leaf("source", "in", ["auto"])] })).toEqual([
      ["MF_WARN_RULES_IN_NOT_ARRAY", "rules[0].conditions.all[0].value"],
      ["MF_WARN_RULES_IN_NOT_ARRAY", "rules[0].conditions.all[1].value"],
    ]);
    // someValue:in hands each element to "in": elements must be arrays themselves.
    expect(await lintOne({ all: [leaf("source", "someValue:in", ["a", "b"]), leaf("source", "someValue:in", [["a"], ["b"]])] })).toEqual([
      ["MF_WARN_RULES_IN_NOT_ARRAY", "rules[0].conditions.all[0].value"],
    ]);
    expect(await lintOne({ all: [leaf("faults", "in", { fact: "source" })] })).toEqual([
      ["MF_WARN_RULES_IN_NOT_ARRAY", "rules[0].conditions.all[0].value.fact"],
    ]);
  });

  it("warns about numeric comparisons with strings or other non-numbers, on either side", async () => {
    expect(
      await lintOne({ any: [leaf("daily", "lessThan", "5"), leaf("daily", "greaterThan", null), leaf("source", "greaterThanInclusive", 3), leaf("daily", "swap:lessThan", 5)] }),
    ).toEqual([
      ["MF_WARN_RULES_NUMERIC_NOT_NUMBER", "rules[0].conditions.any[0].value"],
      ["MF_WARN_RULES_NUMERIC_NOT_NUMBER", "rules[0].conditions.any[1].value"],
      ["MF_WARN_RULES_NUMERIC_NOT_NUMBER", "rules[0].conditions.any[2].fact"],
    ]);
  });

  it("warns about paths that can match several values, and paths on scalar facts", async () => {
    const conditions = {
      all: [
        { ...leaf("meter", "equal", 1), path: "$.registers[*].value" },
        { ...leaf("meter", "equal", 1), path: "$..value" },
        leaf("daily", "equal", { fact: "meter", path: "$.a[0,1]" }),
        { ...leaf("meter", "equal", 1), path: "$.registers[0].value" },
        { ...leaf("daily", "equal", 1), path: "$.x" },
      ],
    };
    expect(await lintOne(conditions)).toEqual([
      ["MF_WARN_RULES_WILDCARD_PATH", "rules[0].conditions.all[0].path"],
      ["MF_WARN_RULES_WILDCARD_PATH", "rules[0].conditions.all[1].path"],
      ["MF_WARN_RULES_WILDCARD_PATH", "rules[0].conditions.all[2].value.path"],
      ["MF_WARN_RULES_PATH_ON_SCALAR", "rules[0].conditions.all[4].path"],
    ]);
  });

  it("warns about contains on scalar facts and array decorators on scalars", async () => {
    expect(
      await lintOne({
        all: [
          leaf("source", "contains", "a"),
          leaf("daily", "not:doesNotContain", 1),
          leaf("faults", "contains", "leak"),
          leaf("meter", "contains", 1),
          leaf("zero", "someFact:equal", true),
          leaf("faults", "everyFact:notEqual", "leak"),
          leaf("daily", "everyValue:greaterThan", 3),
        ],
      }),
    ).toEqual([
      ["MF_WARN_RULES_CONTAINS_SCALAR", "rules[0].conditions.all[0].fact"],
      ["MF_WARN_RULES_CONTAINS_SCALAR", "rules[0].conditions.all[1].fact"],
      ["MF_WARN_RULES_CONTAINS_SCALAR", "rules[0].conditions.all[3].fact"],
      ["MF_WARN_RULES_DECORATOR_NOT_ARRAY", "rules[0].conditions.all[4].fact"],
      ["MF_WARN_RULES_DECORATOR_NOT_ARRAY", "rules[0].conditions.all[6].value"],
    ]);
  });

  it("warns about facts meterflow does not have, only when fact types are given", async () => {
    const conditions = { all: [leaf("dailly", "greaterThan", 1), leaf("daily", "greaterThan", { fact: "avg" })] };
    expect(await lintOne(conditions)).toEqual([
      ["MF_WARN_RULES_UNKNOWN_FACT", "rules[0].conditions.all[0].fact"],
      ["MF_WARN_RULES_UNKNOWN_FACT", "rules[0].conditions.all[1].value.fact"],
    ]);
    expect(await lintOne(conditions, {})).toEqual([]);
  });

  it("warns about empty all and any, which are always true", async () => {
    expect(await lintOne({ any: [{ all: [] }, { not: { any: [] } }] })).toEqual([
      ["MF_WARN_RULES_EMPTY_BOOLEAN", "rules[0].conditions.any[0].all"],
      ["MF_WARN_RULES_EMPTY_BOOLEAN", "rules[0].conditions.any[1].not.any"],
    ]);
  });

  it("warns about equal with NaN and with values of another type than the fact", async () => {
    expect(
      await lintOne({
        all: [
          leaf("daily", "equal", "NaN"),
          leaf("daily", "notEqual", "5"),
          leaf("zero", "equal", "true"),
          leaf("daily", "equal", { fact: "source" }),
          leaf("daily", "equal", null),
          leaf("daily", "equal", 5),
          leaf("faults", "equal", ["leak"]),
        ],
      }),
    ).toEqual([
      ["MF_WARN_RULES_EQUAL_NAN", "rules[0].conditions.all[0].value"],
      ["MF_WARN_RULES_EQUAL_TYPE", "rules[0].conditions.all[0].value"],
      ["MF_WARN_RULES_EQUAL_TYPE", "rules[0].conditions.all[1].value"],
      ["MF_WARN_RULES_EQUAL_TYPE", "rules[0].conditions.all[2].value"],
      ["MF_WARN_RULES_EQUAL_TYPE", "rules[0].conditions.all[3].value.fact"],
    ]);
  });

  it("warns about event types meterflow does not act on, and keys json-rules-engine ignores", async () => {
    const set = await loadRuleFiles([
      file([
        { ...rule("audit", undefined, { type: "audit", params: { x: 1 }, prio: 2 }), description: "why" },
        rule("typo", { all: [{ ...leaf("zero", "equal", true), operater: "x" }], prority: 2 }),
      ]),
    ]);
    expect(lintRules(set).map((w) => [w.code, w.rule, w.path])).toEqual([
      ["MF_WARN_RULES_UNKNOWN_KEY", "audit", "[0].description"],
      ["MF_WARN_RULES_UNKNOWN_KEY", "audit", "[0].event.prio"],
      ["MF_WARN_RULES_UNKNOWN_EVENT", "audit", "[0].event.type"],
      ["MF_WARN_RULES_UNKNOWN_KEY", "typo", "[1].conditions.prority"],
      ["MF_WARN_RULES_UNKNOWN_KEY", "typo", "[1].conditions.all[0].operater"],
    ]);
    expect(lintRules(set, { eventTypes: ["audit", "hold"] }).map((w) => w.code)).not.toContain("MF_WARN_RULES_UNKNOWN_EVENT");
  });

  it("lints named conditions with no rule, and skips operand checks of custom operators", async () => {
    const path = file({
      rules: [rule("r", { all: [{ condition: "c" }, leaf("source", "isEven", "x")] })],
      conditions: { c: { all: [leaf("source", "in", "abc")] } },
    });
    const options = { factTypes: FACTS, customOperators: ["isEven"] };
    const warnings = lintRules(await loadRuleFiles([path], options), options);
    expect(warnings.map((w) => [w.code, w.rule, w.path])).toEqual([["MF_WARN_RULES_IN_NOT_ARRAY", null, "conditions.c.all[0].value"]]);
  });

  it("finds nothing in the default rules against meterflow's facts", async () => {
    const dir = join(process.cwd(), "engine/rules/default");
    const set = await loadRuleFiles([join(dir, "temp-bad.json"), join(dir, "eligibility.json")]);
    expect(lintRules(set, { factTypes: factTypes() })).toEqual([]);
  });
});
