// The facts object the pipeline fills holds exactly the documented facts, and the default rules
// name only those facts.
import { describe, expect, it } from "vitest";
import { defaultRuleFiles } from "../../../engine/runtime/index.js";
import { createFacts, FACTS, lintRules, loadRuleFiles } from "../../../engine/rules/index.js";
import { factTypes } from "../../../engine/rules/facts.js";

describe("facts", () => {
  it("createFacts has every fact of FACTS, each of its type or null", () => {
    const facts = createFacts();
    expect(Object.keys(facts)).toEqual(Object.keys(FACTS));
    for (const [name, value] of Object.entries(facts)) {
      if (value !== null) expect(typeof value, name).toBe(FACTS[name].type);
    }
  });

  it("the default rules lint clean against the facts", async () => {
    const set = await loadRuleFiles(defaultRuleFiles());
    expect(lintRules(set, { factTypes: factTypes() })).toEqual([]);
    expect(set.rules.map((r) => r.rule.name).sort()).toEqual(["backflow", "bounce", "drop-low", "implausible-rollover", "initial", "leak", "magnetic-field", "meter-temp-bad", "negative-consumption", "no-consumption", "open-circuit", "short-circuit", "spike-high", "zero-under-verification"]);
  });
});
