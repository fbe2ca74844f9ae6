// Reading and parsing rule files: the three file shapes, the default rules, errors naming the
// file (and line and column for syntax errors), options, and json-rules-engine running what
// the loader accepted.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { Engine } from "json-rules-engine";
import { describe, expect, it } from "vitest";
import { loadRuleFiles, RulesParseError, RulesReadError } from "../../../../engine/rules/load/index.js";
import { leaf, rule, ruleFiles } from "./files.js";

const file = ruleFiles("load");
const DEFAULTS = join(process.cwd(), "engine/rules/default");

async function rejection(promise: Promise<unknown>): Promise<Error & { code: string }> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (e: unknown) => e as Error & { code: string },
  );
}

describe("loadRuleFiles", () => {
  it("reads one rule, an array of rules, and { rules, conditions }, keeping file order and pointers", async () => {
    const single = file(rule("single"));
    const array = file([rule("first"), rule("second")]);
    const wrapped = file({ rules: [rule("third", { condition: "c" })], conditions: { c: { any: [leaf("zero", "equal", true)] } } });
    const set = await loadRuleFiles([single, array, wrapped]);
    expect(set.files).toEqual([single, array, wrapped]);
    expect(set.rules.map((r) => [r.rule.name, r.file, r.index, r.pointer])).toEqual([
      ["single", single, 0, ""],
      ["first", array, 0, "[0]"],
      ["second", array, 1, "[1]"],
      ["third", wrapped, 0, "rules[0]"],
    ]);
    expect(set.conditions).toEqual([{ file: wrapped, name: "c", pointer: "conditions.c", conditions: { any: [leaf("zero", "equal", true)] } }]);
  });

  it("loads the default rules", async () => {
    const set = await loadRuleFiles([join(DEFAULTS, "temp-bad.json"), join(DEFAULTS, "eligibility.json")]);
    expect(set.rules.length).toBeGreaterThan(0);
    expect(set.conditions.map((c) => c.name)).toContain("has-history");
  });

  it("rejects a missing or unreadable file, naming it", async () => {
    const missing = join(dirname(file([])), "missing.json");
    const error = await rejection(loadRuleFiles([file([]), missing]));
    expect(error).toBeInstanceOf(RulesReadError);
    expect(error.code).toBe("MF_ERR_RULES_READ");
    expect((error as RulesReadError).file).toBe(missing);
    expect(error.message).toContain(missing);

    const directory = join(dirname(missing), "a-directory.json");
    mkdirSync(directory);
    const unreadable = await rejection(loadRuleFiles([directory]));
    expect(unreadable.code).toBe("MF_ERR_RULES_READ");
    expect((unreadable as RulesReadError).file).toBe(directory);
  });

  it.each([
    ["a missing value", '{\n  "name": "x",\n  "priority": }\n', 3, 15],
    ["a trailing comma", '[\n  {"name": "x"},\n]', 3, 1],
    ["text after the value", '{"name": "x"}\n\n  garbage', 3, 3],
    ["an unterminated string (the raw line break is the error)", '{\r\n"name": "x\r\n}', 2, 11],
    ["an empty file", "", 1, 1],
    ["a bad escape", '{"a": "\\x"}', 1, 9],
    ["a misspelt literal", '{"a": tru}', 1, 10],
  ])("rejects %s with the file, line and column", async (_what, text, line, column) => {
    const path = file(text);
    const error = await rejection(loadRuleFiles([path]));
    expect(error).toBeInstanceOf(RulesParseError);
    expect(error.code).toBe("MF_ERR_RULES_PARSE");
    expect({ file: (error as RulesParseError).file, line: (error as RulesParseError).line, column: (error as RulesParseError).column }).toEqual({ file: path, line, column });
  });

  it("accepts a byte order mark", async () => {
    await expect(loadRuleFiles([file(`\uFEFF${JSON.stringify([rule("bom")])}`)])).resolves.toMatchObject({ rules: [{ rule: { name: "bom" } }] });
  });

  it("rejects bad options instead of throwing", async () => {
    const promise = loadRuleFiles([], { customOperators: "isEven" as unknown as string[] });
    expect((await rejection(promise)).code).toBe("MF_ERR_INVALID_OPTION");
    expect((await rejection(loadRuleFiles("rules.json" as unknown as string[]))).code).toBe("MF_ERR_INVALID_OPTION");
  });

  it("gives json-rules-engine rules it accepts and runs as written", async () => {
    const path = file({
      conditions: { "has-history": { all: [leaf("history_readings", "greaterThanInclusive", 5)] } },
      rules: [
        { ...rule("spike", { all: [{ condition: "has-history" }, leaf("daily", "greaterThan", { fact: "average_daily_high" })] }), priority: 2 },
        rule("fault", { any: [leaf("faults", "someValue:in", [["leak"], ["magnetic"]]), { not: leaf("daily", "lessThan", 1000) }] }, { type: "temp_bad", params: { reason: "fault" } }),
      ],
    });
    const set = await loadRuleFiles([path]);
    const engine = new Engine();
    for (const named of set.conditions) engine.setCondition(named.name, named.conditions);
    for (const loaded of set.rules) engine.addRule(loaded.rule);
    const { events } = await engine.run({ history_readings: 6, daily: 40, average_daily_high: 30, faults: "leak" });
    expect(events.map((e) => e.type)).toEqual(["hold", "temp_bad"]);
  });
});
