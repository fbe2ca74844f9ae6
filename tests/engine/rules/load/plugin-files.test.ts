// Plugins' rule files in the loader and the linter: an event type meterflow does not act on is an
// error there (MF_ERR_RULES_UNKNOWN_EVENT), only the lint's warning in a user's file; rule names
// are unique per plugin (alerts name them `<plugin>/<rule>`), so two plugins, or a plugin and the
// default rules, may use the same name; hold and temp_bad reasons hold no `|`, control
// characters or line breaks (held.csv separates reasons with `|`); lint warnings name the plugin.
import { describe, expect, it } from "vitest";
import { defaultRuleFiles, lintPluginRules, pluginRuleFiles, RulesDecider } from "../../../../engine/decide/rules.js";
import { createFacts } from "../../../../engine/rules/facts.js";
import { lintRules, loadRuleFiles } from "../../../../engine/rules/load/index.js";
import { brief, issuesOf, leaf, rule, ruleFiles } from "./files.js";

const file = ruleFiles("plugin-files");
const inline = (plugin: string, rules: unknown[], name = "rules") => ({ file: `plugin ${plugin}: ${name}`, plugin, json: { rules } });
const alert = (name: string) => rule(name, { all: [leaf("zero", "equal", true)] }, { type: "alert", params: { severity: "warning", channel: "x", message: "m" } });

describe("plugins' rule files in the loader", () => {
  it("refuses an event type meterflow does not act on in a plugin's file, naming the plugin's file, the rule and the path", async () => {
    const typo = rule("turbid-class", undefined, { type: "hold_reading", params: { reason: "turbid" } });
    const issues = await issuesOf([], { inline: [inline("acme", [typo], "turb")] });
    expect(issues).toEqual([expect.objectContaining({
      code: "MF_ERR_RULES_UNKNOWN_EVENT", reason: "unknown_event", file: "plugin acme: turb", rule: "turbid-class", path: "rules[0].event.type",
    })]);
    expect(issues[0]?.message).toContain('"hold_reading"');
    // A near miss gets a suggestion.
    const near = await issuesOf([], { inline: [inline("acme", [rule("r", undefined, { type: "hodl", params: { reason: "x" } })])] });
    expect(near[0]?.message).toContain('did you mean "hold"?');
  });

  it("leaves it a lint warning in a user's rule file", async () => {
    const set = await loadRuleFiles([file([rule("r", undefined, { type: "hold_reading", params: { reason: "x" } })])]);
    expect(lintRules(set).map((w) => w.code)).toEqual(["MF_WARN_RULES_UNKNOWN_EVENT"]);
  });

  it("scopes rule names by plugin: two plugins' turbid-class, and a plugin's spike-high beside the default rules", async () => {
    const set = await loadRuleFiles(defaultRuleFiles(), {
      inline: [inline("acme-turbidity", [alert("turbid-class")]), inline("other-ph", [alert("turbid-class")]), inline("acme-spikes", [alert("spike-high"), alert("leak")])],
    });
    expect(set.rules.filter((r) => r.rule.name === "turbid-class").map((r) => r.plugin)).toEqual(["acme-turbidity", "other-ph"]);
    expect(set.rules.filter((r) => r.rule.name === "spike-high").map((r) => r.plugin ?? "defaults")).toEqual(["defaults", "acme-spikes"]);
  });

  it("scopes named conditions by plugin: two plugins each define \"big\", each rule uses its own", async () => {
    const uses = (name: string, message: string) => ({ name, conditions: { all: [{ condition: "big" }] },
      event: { type: "alert", params: { severity: "info", channel: "register", message } } });
    const files = pluginRuleFiles([
      { plugin: "acme", name: "a", rules: [uses("a-big", "acme")], conditions: { big: { all: [leaf("daily", "greaterThan", 10)] } } },
      { plugin: "other", name: "b", rules: [uses("b-big", "other")], conditions: { big: { all: [leaf("daily", "greaterThan", 100)] } } },
    ]);
    const decider = await RulesDecider.load([], { inline: files });
    const alerts = (daily: number) => {
      const facts = createFacts();
      facts.daily = daily;
      return decider.decide(facts).alerts.map((a) => a.message);
    };
    expect(alerts(50)).toEqual(["acme"]);
    expect(alerts(500)).toEqual(["acme", "other"]);
    expect(alerts(5)).toEqual([]);
  });

  it("still refuses a name used twice within one plugin (across its files) and within user files", async () => {
    const twice = await issuesOf([], { inline: [inline("acme", [alert("a")], "one"), inline("acme", [alert("a")], "two")] });
    expect(brief(twice)).toEqual([["duplicate_name", "rules[0].name", "a"]]);
    expect(twice[0]?.file).toBe("plugin acme: two");
    expect(brief(await issuesOf([file([rule("a")]), file([rule("a")])]))).toEqual([["duplicate_name", "[0].name", "a"]]);
    // A user's rule named like a plugin's rule label would write the same rule id.
    expect(brief(await issuesOf([file([rule("acme/a")])], { inline: [inline("acme", [alert("a")])] }))).toEqual([["duplicate_name", "rules[0].name", "a"]]);
  });

  it.each([
    ["a |", "hold", "wet | dry"],
    ["a line break", "hold", "wet\ndry"],
    ["a control character", "temp_bad", "wet\u0007"],
  ])("refuses a reason with %s (held.csv separates reasons with |), in any rule file", async (_, type, reason) => {
    const bad = rule("r", undefined, { type, params: { reason } });
    expect(brief(await issuesOf([file([bad])]))).toEqual([["characters", "[0].event.params.reason", "r"]]);
    expect(brief(await issuesOf([], { inline: [inline("acme", [bad])] }))).toEqual([["characters", "rules[0].event.params.reason", "r"]]);
  });

  it("refuses a rule name with | or a line break in a user's file too (it is written into rule_error:<name> reasons)", async () => {
    for (const name of ["wet | dry", "wet\ndry"]) {
      expect(brief(await issuesOf([file([rule(name)])])), name).toEqual([["characters", "[0].name", name]]);
    }
    // A comma is fine there: the CSV writer quotes it.
    await expect(loadRuleFiles([file([rule("wet, dry")])])).resolves.toBeDefined();
  });

  it("accepts a reason with a comma (the CSV writer quotes it)", async () => {
    await expect(loadRuleFiles([file([rule("r", undefined, { type: "hold", params: { reason: "turbid, check filter" } })])])).resolves.toBeDefined();
  });

  it("names the plugin in lint warnings about its files, and lintPluginRules keeps only those", async () => {
    const inString = rule("in-string", { all: [leaf("meter_id", "in", "M-1,M-2")] });
    const set = await loadRuleFiles([file([inString], "user.json")], { inline: [inline("acme", [{ ...inString, name: "acme-in" }], "turb")] });
    const all = lintRules(set);
    expect(all.map((w) => [w.code, w.plugin, w.rule])).toEqual([
      ["MF_WARN_RULES_IN_NOT_ARRAY", undefined, "in-string"],
      ["MF_WARN_RULES_IN_NOT_ARRAY", "acme", "acme-in"],
    ]);
    expect(lintPluginRules(set)).toEqual([expect.objectContaining({ code: "MF_WARN_RULES_IN_NOT_ARRAY", plugin: "acme", file: "plugin acme: turb", rule: "acme-in" })]);
  });
});
