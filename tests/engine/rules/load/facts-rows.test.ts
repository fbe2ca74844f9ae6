// Rule files checked against the facts that will exist (issue 13): an unknown fact or operator is
// an issue with its own code, file, rule and JSON path; a rule file's "rows" says which rows its
// rules see, and a "sensor" file cannot hold.
import { describe, expect, it } from "vitest";
import { loadRuleFiles, RulesInvalidError, rulesVersion } from "../../../../engine/rules/load/index.js";
import { knownFacts } from "../../../../engine/decide/rules.js";
import { issuesOf, leaf, rule, ruleFiles } from "./files.js";

const file = ruleFiles("rules-facts");
const facts = knownFacts(["soil_moisture", "soil_dryness"]);

describe("rule files checked against the facts that exist", () => {
  it("names an unknown fact with its code, file, rule and path, with the nearest fact as a hint", async () => {
    const path = file({
      conditions: { dry: { all: [leaf("soil_drynes", "greaterThan", 0.8)] } },
      rules: [
        rule("wet", { all: [leaf("soil_moisture", "greaterThan", 40), leaf("consumption", "greaterThan", { fact: "averag_daily" })] }),
        rule("dry", { any: [{ condition: "dry" }] }),
      ],
    });
    const issues = await issuesOf([path], { facts });
    expect(issues.map((i) => [i.code, i.reason, i.file, i.rule, i.path])).toEqual([
      ["MF_ERR_RULES_UNKNOWN_FACT", "unknown_fact", path, "wet", "rules[0].conditions.all[1].value.fact"],
      ["MF_ERR_RULES_UNKNOWN_FACT", "unknown_fact", path, null, "conditions.dry.all[0].fact"],
    ]);
    expect(issues[1].message).toContain(`unknown fact "soil_drynes" (did you mean "soil_dryness"?)`);
    const error = await loadRuleFiles([path], { facts }).catch((e: unknown) => e);
    expect((error as RulesInvalidError).code).toBe("MF_ERR_RULES_UNKNOWN_FACT");
  });

  it("checks no fact names without the list (the json-rules-engine API), and passes every known fact", async () => {
    const path = file([rule("any-fact", { all: [leaf("whatever", "equal", 1)] })]);
    await expect(loadRuleFiles([path])).resolves.toBeDefined();
    const known = file([rule("known", { all: [leaf("soil_dryness", "greaterThan", 0.8), leaf("open_circuit", "equal", true)] })]);
    await expect(loadRuleFiles([known], { facts })).resolves.toBeDefined();
  });

  it("gives an unknown operator its own code; mixed problems are MF_ERR_RULES_INVALID with each line's code", async () => {
    const op = file([rule("op", { all: [leaf("zero", "equals", true)] })]);
    const error = (await loadRuleFiles([op], { facts }).catch((e: unknown) => e)) as RulesInvalidError;
    expect(error.code).toBe("MF_ERR_RULES_UNKNOWN_OPERATOR");
    expect(error.message).toContain(`[0].conditions.all[0].operator: unknown operator "equals" (rule "op")`);
    const both = file([rule("both", { all: [leaf("zero", "equals", true), leaf("zeor", "equal", true)] })]);
    const mixed = (await loadRuleFiles([both], { facts }).catch((e: unknown) => e)) as RulesInvalidError;
    expect(mixed.code).toBe("MF_ERR_RULES_INVALID");
    expect(mixed.message).toContain("[MF_ERR_RULES_UNKNOWN_OPERATOR]");
    expect(mixed.message).toContain("[MF_ERR_RULES_UNKNOWN_FACT]");
  });
});

describe("a rule file's rows", () => {
  const alert = { type: "alert", params: { severity: "warning", channel: "vibration", message: "zone C" } };

  it("defaults to reading rows; takes sensor and both; refuses anything else", async () => {
    const plain = file([rule("plain")]);
    const sensor = file({ rows: "sensor", rules: [rule("zone-c", { all: [leaf("zero", "equal", true)] }, alert)] });
    const both = file({ rows: "both", rules: [rule("both-rule")] });
    const set = await loadRuleFiles([plain, sensor, both]);
    expect(set.rules.map((r) => [r.rule.name, r.rows])).toEqual([["plain", "reading"], ["zone-c", "sensor"], ["both-rule", "both"]]);
    const bad = file({ rows: "sensors", rules: [rule("x")] });
    expect((await issuesOf([bad])).map((i) => [i.reason, i.path])).toEqual([["rows", "rows"]]);
  });

  it("refuses a hold or temp_bad rule in a sensor-rows file: it would never act", async () => {
    const path = file({ rows: "sensor", rules: [rule("hold-on-sensor"), rule("flag", undefined, { type: "temp_bad", params: { reason: "x" } })] });
    expect((await issuesOf([path])).map((i) => [i.reason, i.rule, i.path])).toEqual([
      ["rows", "hold-on-sensor", "rules[0].event.type"],
      ["rows", "flag", "rules[1].event.type"],
    ]);
  });

  it("changes the rules version when a file's rows change", async () => {
    const rules = [rule("r", { all: [leaf("zero", "equal", true)] }, alert)];
    const a = rulesVersion(await loadRuleFiles([file({ rules })]));
    const b = rulesVersion(await loadRuleFiles([file({ rows: "reading", rules })]));
    const c = rulesVersion(await loadRuleFiles([file({ rows: "both", rules })]));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});
