// The rules holder: compiles the initial set, swaps in a reloaded set only once it loaded,
// validated and compiled, keeps the old rules on any failure, and runs reloads in order.
import { describe, expect, it } from "vitest";
import { createRulesHolder, loadRuleFiles, RulesCompileError, rulesVersion } from "../../../../engine/rules/load/index.js";
import type { RuleSet } from "../../../../engine/rules/load/index.js";
import { leaf, rule, ruleFiles } from "./files.js";

const file = ruleFiles("holder");
const names = (set: RuleSet): string[] => set.rules.map((r) => r.rule.name);

/** A compile function that returns the rule names, and throws for a rule named "explode". */
function compile(set: RuleSet): string[] {
  if (names(set).includes("explode")) throw new Error("cannot compile explode");
  return names(set);
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code: string }> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (e: unknown) => e as Error & { code: string },
  );
}

describe("createRulesHolder", () => {
  it("compiles the initial set and swaps in a reloaded one", async () => {
    const first = await loadRuleFiles([file([rule("one")])]);
    const holder = createRulesHolder(first, compile);
    expect(holder.current()).toMatchObject({ compiled: ["one"], version: rulesVersion(first), ruleSet: first });

    const next = file([rule("one"), rule("two")]);
    const snapshot = await holder.reload([next]);
    expect(snapshot.compiled).toEqual(["one", "two"]);
    expect(holder.current()).toBe(snapshot);
    expect(snapshot.version).not.toBe(rulesVersion(first));
  });

  it("keeps the old rules when the compile function throws", async () => {
    const holder = createRulesHolder(await loadRuleFiles([file([rule("one")])]), compile);
    const before = holder.current();
    const bad = file([rule("explode")]);
    const error = await rejection(holder.reload([bad]));
    expect(error).toBeInstanceOf(RulesCompileError);
    expect(error.code).toBe("MF_ERR_RULES_COMPILE");
    expect((error as RulesCompileError).files).toEqual([bad]);
    expect((error.cause as Error).message).toBe("cannot compile explode");
    expect(holder.current()).toBe(before);
  });

  it("keeps the old rules when files are missing, not JSON or invalid, rejecting with their errors", async () => {
    const holder = createRulesHolder(await loadRuleFiles([file([rule("one")])]), compile);
    const before = holder.current();
    expect((await rejection(holder.reload([file("{ nope")]))).code).toBe("MF_ERR_RULES_PARSE");
    expect((await rejection(holder.reload(["/nonexistent/rules.json"]))).code).toBe("MF_ERR_RULES_READ");
    const invalid = await rejection(holder.reload([file([rule("x", { all: [leaf("zero", "equals", 1)] })])]));
    expect(invalid.code).toBe("MF_ERR_RULES_UNKNOWN_OPERATOR");
    expect(holder.current()).toBe(before);
    // and the holder still reloads afterwards
    await expect(holder.reload([file([rule("three")])])).resolves.toMatchObject({ compiled: ["three"] });
  });

  it("uses its load options on reload", async () => {
    const custom = file([rule("even", { all: [leaf("value", "isEven", true)] })]);
    const holder = createRulesHolder(await loadRuleFiles([file([rule("one")])]), compile, { customOperators: ["isEven"] });
    await expect(holder.reload([custom])).resolves.toMatchObject({ compiled: ["even"] });
  });

  it("runs overlapping reloads in the order they were asked for", async () => {
    const holder = createRulesHolder(await loadRuleFiles([file([rule("one")])]), compile);
    const paths = ["a", "b", "c"].map((n) => file([rule(n)]));
    const done: string[] = [];
    await Promise.all(paths.map((p) => holder.reload([p]).then((s) => done.push(s.compiled[0]))));
    expect(done).toEqual(["a", "b", "c"]);
    expect(holder.current().compiled).toEqual(["c"]);
  });

  it("throws a compile error when the initial set does not compile", async () => {
    const set = await loadRuleFiles([file([rule("explode")])]);
    expect(() => createRulesHolder(set, compile)).toThrow(RulesCompileError);
  });
});
