// Validation of rule files: one test per class of error, asserting reasons and JSON paths (never
// message text), that every issue of every file is reported together, and operator names.
import { describe, expect, it } from "vitest";
import { loadRuleFiles } from "../../../../engine/rules/load/index.js";
import { brief, issuesOf, leaf, rule, ruleFiles } from "./files.js";

const file = ruleFiles("validate");

describe("loadRuleFiles validation", () => {
  it("rejects a file that is neither a rule, an array of rules nor { rules, conditions }", async () => {
    expect(brief(await issuesOf([file(42)]))).toEqual([["file_shape", "", null]]);
    expect(brief(await issuesOf([file({ rules: {} })]))).toEqual([["file_shape", "rules", null]]);
    expect(brief(await issuesOf([file({ rules: [], conditions: [] })]))).toEqual([["file_shape", "conditions", null]]);
  });

  it("requires name, conditions and event, naming the rule by index when it has no name", async () => {
    const issues = await issuesOf([file({ rules: [rule("ok"), { priority: 1 }] })]);
    expect(brief(issues)).toEqual([
      ["required", "rules[1].name", 1],
      ["required", "rules[1].conditions", 1],
      ["required", "rules[1].event", 1],
    ]);
    expect(issues.every((i) => i.code === "MF_ERR_RULES_INVALID" && i.file.endsWith(".json"))).toBe(true);
  });

  it("refuses a hold or temp_bad reason that is blank or has spaces around it (readings would be held with a blank reason)", async () => {
    const issues = await issuesOf([
      file([
        rule("a", undefined, { type: "hold", params: { reason: "  " } }),
        rule("b", undefined, { type: "temp_bad", params: { reason: " spike" } }),
        rule("c", undefined, { type: "hold", params: { reason: "spike" } }),
        rule("d", undefined, { type: "alert", params: { severity: "info", channel: "x", message: " padded " } }),
      ]),
    ]);
    expect(brief(issues)).toEqual([
      ["characters", "[0].event.params.reason", "a"],
      ["characters", "[1].event.params.reason", "b"],
    ]);
  });

  it("checks types and empty strings", async () => {
    const issues = await issuesOf([
      file([
        { ...rule("a"), name: 7 },
        { ...rule(""), event: "hold" },
        rule("c", { all: { fact: "zero" } }),
        rule("d", { not: [leaf("zero", "equal", true)] }),
        rule("e", { all: [{ ...leaf("zero", "equal", true), path: 3, params: "x" }] }),
        rule("f", { all: [leaf("daily", "greaterThan", { fact: "average_daily", path: 1, params: [] })] }),
        "not a rule",
        rule("h", { all: [leaf("", "equal", 1)] }, { type: "hold", params: [] }),
      ]),
    ]);
    expect(brief(issues)).toEqual([
      ["type", "[0].name", 0],
      ["empty", "[1].name", 1],
      ["type", "[1].event", 1],
      ["type", "[2].conditions.all", "c"],
      ["type", "[3].conditions.not", "d"],
      ["type", "[4].conditions.all[0].path", "e"],
      ["type", "[4].conditions.all[0].params", "e"],
      ["type", "[5].conditions.all[0].value.path", "f"],
      ["type", "[5].conditions.all[0].value.params", "f"],
      ["type", "[6]", 6],
      ["empty", "[7].conditions.all[0].fact", "h"],
      ["type", "[7].event.params", "h"],
    ]);
  });

  it("requires priorities to be integers >= 1, on rules and on conditions", async () => {
    const issues = await issuesOf([
      file([
        { ...rule("zero"), priority: 0 },
        { ...rule("fraction"), priority: 1.5 },
        { ...rule("text"), priority: "3" },
        rule("nested", { all: [{ ...leaf("zero", "equal", true), priority: -1 }], priority: 0 }),
        { ...rule("fine"), priority: 10 },
      ]),
    ]);
    expect(brief(issues)).toEqual([
      ["priority", "[0].priority", "zero"],
      ["priority", "[1].priority", "fraction"],
      ["priority", "[2].priority", "text"],
      ["priority", "[3].conditions.priority", "nested"],
      ["priority", "[3].conditions.all[0].priority", "nested"],
    ]);
  });

  it("rejects condition nodes that are none or several kinds, and a fact at the top level", async () => {
    const issues = await issuesOf([
      file({
        rules: [
          rule("none", { all: [{ operator: "equal", value: 1 }] }),
          rule("both", { any: [{ ...leaf("zero", "equal", true), all: [] }] }),
          rule("top", leaf("zero", "equal", true)),
          rule("leafless", { all: [{ fact: "zero" }] }),
        ],
      }),
    ]);
    expect(brief(issues)).toEqual([
      ["condition_shape", "rules[0].conditions.all[0]", "none"],
      ["condition_shape", "rules[1].conditions.any[0]", "both"],
      ["top_level", "rules[2].conditions", "top"],
      ["required", "rules[3].conditions.all[0].operator", "leafless"],
      ["required", "rules[3].conditions.all[0].value", "leafless"],
    ]);
  });

  it("accepts the built-in operators with chained decorators, and custom operators only when listed", async () => {
    const ops = ["equal", "not:equal", "not:someFact:equal", "swap:contains", "everyValue:notIn", "someValue:swap:lessThan"];
    const good = file([rule("ops", { all: ops.map((op) => leaf("zero", op, [1])) })]);
    await expect(loadRuleFiles([good])).resolves.toBeDefined();
    const bad = file([rule("bad", { all: ["equals", "nope:equal", "not:", ":equal", "isEven", "not:isEven"].map((op) => leaf("zero", op, 1)) })]);
    expect(brief(await issuesOf([bad])).map(([reason, path]) => [reason, path])).toEqual([
      ["operator", "[0].conditions.all[0].operator"],
      ["operator", "[0].conditions.all[1].operator"],
      ["operator", "[0].conditions.all[2].operator"],
      ["operator", "[0].conditions.all[3].operator"],
      ["operator", "[0].conditions.all[4].operator"],
      ["operator", "[0].conditions.all[5].operator"],
    ]);
    const custom = file([rule("custom", { all: [leaf("value", "isEven", true), leaf("value", "not:isEven", true)] })]);
    await expect(loadRuleFiles([custom], { customOperators: ["isEven"] })).resolves.toBeDefined();
  });

  it("checks meterflow's event params and allows other event types", async () => {
    const issues = await issuesOf([
      file([
        rule("no-params", undefined, { type: "hold" }),
        rule("no-reason", undefined, { type: "temp_bad", params: { why: "x" } }),
        rule("alert-bad", undefined, { type: "alert", params: { severity: "fatal", channel: 1 } }),
        rule("alert-ok", undefined, { type: "alert", params: { severity: "warning", channel: "temp", message: "hot" } }),
        rule("no-type", undefined, { params: {} }),
        rule("other", undefined, { type: "audit" }),
      ]),
    ]);
    expect(brief(issues)).toEqual([
      ["required", "[0].event.params", "no-params"],
      ["required", "[1].event.params.reason", "no-reason"],
      ["type", "[2].event.params.channel", "alert-bad"],
      ["required", "[2].event.params.message", "alert-bad"],
      ["enum", "[2].event.params.severity", "alert-bad"],
      ["required", "[4].event.type", "no-type"],
    ]);
  });

  it("requires rule names to be unique across files", async () => {
    const a = file([rule("spike"), rule("drop")]);
    const b = file(rule("spike"));
    const issues = await issuesOf([a, b]);
    expect(brief(issues)).toEqual([["duplicate_name", "name", "spike"]]);
    expect(issues[0].file).toBe(b);
  });

  it("resolves condition references across files and rejects unknown, duplicate and cyclic ones", async () => {
    const shared = file({ rules: [], conditions: { "has-history": { all: [leaf("history_readings", "greaterThan", 4)] } } });
    const user = file({ rules: [rule("uses", { all: [{ condition: "has-history" }] })] });
    await expect(loadRuleFiles([user, shared])).resolves.toMatchObject({ conditions: [{ name: "has-history" }] });

    const bad = file({
      rules: [rule("missing", { any: [{ condition: "nowhere" }] }), rule("empty-ref", { condition: "" })],
      conditions: {
        "has-history": { all: [] },
        a: { all: [{ condition: "b" }] },
        b: { not: { condition: "a" } },
        self: { condition: "self" },
        "bad-ref": { any: [{ condition: "gone" }] },
      },
    });
    const issues = await issuesOf([shared, bad]);
    expect(brief(issues)).toEqual([
      ["empty", "rules[1].conditions.condition", "empty-ref"],
      ["duplicate_condition", 'conditions["has-history"]', null],
      ["unknown_condition", "rules[0].conditions.any[0].condition", "missing"],
      ["unknown_condition", 'conditions["bad-ref"].any[0].condition', null],
      ["condition_cycle", "conditions.b.not.condition", null],
      ["condition_cycle", "conditions.self.condition", null],
    ]);
    expect(issues.filter((i) => i.reason === "duplicate_condition")[0].file).toBe(bad);
  });

  it("reports every issue of every file together", async () => {
    const one = file([{ ...rule("x"), priority: 0 }, { ...rule("y"), event: {} }]);
    const two = file({ rules: [rule("z", { all: [leaf("zero", "equals", 1)] })] });
    const issues = await issuesOf([one, two]);
    expect(issues.map((i) => [i.file, i.path])).toEqual([
      [one, "[0].priority"],
      [one, "[1].event.type"],
      [two, "rules[0].conditions.all[0].operator"],
    ]);
  });
});
