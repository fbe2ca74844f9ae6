// rulesVersion: the same rules give the same version whatever the whitespace, key order, file
// order or split into files; any change of meaning gives another.
import { describe, expect, it } from "vitest";
import { canonicalJson, loadRuleFiles, rulesVersion } from "../../../../engine/rules/load/index.js";
import { leaf, rule, ruleFiles } from "./files.js";

const file = ruleFiles("version");
const A_ALL = [leaf("daily", "greaterThan", 10), leaf("zero", "equal", false)];
const A = { ...rule("a", { all: A_ALL }), priority: 3 };
const B_EVENT = { type: "alert", params: { severity: "info", channel: "t", message: "m" } };
const B = rule("b", { condition: "c" }, B_EVENT);
const C = { c: { any: [leaf("source", "in", ["manual", "import"])] } };

/** Reverses key order at every level. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
}

const versionOf = async (...paths: string[]): Promise<string> => rulesVersion(await loadRuleFiles(paths));

describe("rulesVersion", () => {
  it("is 16 hex digits", async () => {
    expect(await versionOf(file({ rules: [A, B], conditions: C }))).toMatch(/^[0-9a-f]{16}$/);
  });

  it("does not depend on whitespace, key order, file order or the split into files", async () => {
    const base = await versionOf(file({ rules: [A, B], conditions: C }));
    const compact = file(JSON.stringify({ conditions: C, rules: [A, B] }));
    const reordered = file(`\n\n${JSON.stringify(reverseKeys({ rules: [B, A], conditions: C }), null, 8)}\n`);
    const one = file(A);
    const two = file({ rules: [B], conditions: C });
    expect(await versionOf(compact)).toBe(base);
    expect(await versionOf(reordered)).toBe(base);
    expect(await versionOf(one, two)).toBe(base);
    expect(await versionOf(two, one)).toBe(base);
  });

  it("changes with any change of meaning", async () => {
    const base = await versionOf(file({ rules: [A, B], conditions: C }));
    const variants = [
      { rules: [{ ...A, priority: 4 }, B], conditions: C },
      { rules: [{ ...A, conditions: { all: [...A_ALL].reverse() } }, B], conditions: C },
      { rules: [A, { ...B, name: "b2" }], conditions: C },
      { rules: [A, B], conditions: { c: { any: [leaf("source", "in", ["manual"])] } } },
      { rules: [A, B], conditions: { ...C, unused: { all: [] } } },
      { rules: [A, { ...B, event: { ...B_EVENT, params: { severity: "info", channel: "t", message: "n" } } }], conditions: C },
    ];
    const versions = await Promise.all(variants.map((v) => versionOf(file(v))));
    expect(new Set([base, ...versions]).size).toBe(variants.length + 1);
  });

  it("writes canonical JSON with sorted keys and kept array order", () => {
    expect(canonicalJson({ b: [3, { d: 1, c: "x" }], a: null })).toBe('{"a":null,"b":[3,{"c":"x","d":1}]}');
  });
});
