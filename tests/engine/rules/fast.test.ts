// The fast compiler gives the exact compiler's result (itself held to json-rules-engine by the
// conformance test) on random rules of its subset and random facts, and refuses what is outside.
import { describe, expect, it } from "vitest";
import { compileRule } from "../../../engine/rules/compile.js";
import { compileFast } from "../../../engine/rules/fast.js";
import { mulberry32, seeds } from "../../helpers/random.js";

const FACTS = ["n", "m", "s", "b", "z", "arr"];
const known = new Set(FACTS);

describe("fast rules", () => {
  for (const seed of seeds(0xfa57)) {
    it(`agree with the exact compiler on 20,000 random rules (seed ${seed}; MF_SEED=${seed})`, () => {
      const rnd = mulberry32(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
      const scalar = () => pick([0, 1, -1, 5, 2.5, "5", "12abc", "", "x", true, false, null, Number.NaN, 1e308]);
      const ops = ["equal", "notEqual", "lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive", "contains", "doesNotContain", "in", "notIn"];
      const leaf = (): object => {
        const operator = pick(ops);
        let value: unknown = rnd() < 0.25 ? { fact: pick(FACTS) } : scalar();
        if (operator === "in" || operator === "notIn") value = [scalar(), scalar(), pick([1, "x", 5])];
        else if (rnd() < 0.05) value = [1, 2];
        return { fact: pick(FACTS), operator, value };
      };
      const node = (depth: number): object => {
        const r = rnd();
        if (depth > 2 || r < 0.4) return leaf();
        if (r < 0.55) return { not: node(depth + 1) };
        if (r < 0.6) return { condition: "shared" };
        const kids = Array.from({ length: Math.floor(rnd() * 4) }, () => node(depth + 1));
        return r < 0.8 ? { all: kids } : { any: kids };
      };
      const conditions = new Map([["shared", { any: [leaf(), leaf()] } as never]]);
      let compared = 0;
      for (let i = 0; i < 20_000; i++) {
        const rule = { name: "r", conditions: (rnd() < 0.5 ? { all: [node(1)] } : { any: [node(1), node(1)] }) as never, event: { type: "hold" } };
        const fast = compileFast(rule, conditions, known);
        const exact = compileRule(rule, { conditions });
        if (fast === undefined || exact.kind !== "compiled") continue;
        const facts = { n: scalar(), m: scalar(), s: pick(["a", "5", "x", ""]), b: pick([true, false]), z: scalar(), arr: pick([[1, "x"], [], [5, true]]) };
        let want: boolean | string;
        try {
          want = exact.evaluate(facts);
        } catch (error) {
          want = `throws ${(error as Error).message}`;
        }
        const got = fast(facts);
        if (got !== want) expect.fail(`rule ${JSON.stringify(rule.conditions)} on ${JSON.stringify(facts)}: fast ${got}, exact ${want}`);
        compared++;
      }
      expect(compared).toBeGreaterThan(10_000);
    });
  }

  it("refuses what can throw or needs the exact evaluation order", () => {
    const none = new Map();
    const rule = (conditions: object) => ({ conditions: conditions as never, event: { type: "hold" } });
    expect(compileFast(rule({ all: [{ fact: "n", operator: "in", value: 5 }] }), none, known)).toBeUndefined();
    expect(compileFast(rule({ all: [{ fact: "n", operator: "in", value: { fact: "arr" } }] }), none, known)).toBeUndefined();
    expect(compileFast(rule({ all: [{ fact: "missing", operator: "equal", value: 1 }] }), none, known)).toBeUndefined();
    expect(compileFast(rule({ all: [{ fact: "n", path: "$.a", operator: "equal", value: 1 }] }), none, known)).toBeUndefined();
    expect(compileFast(rule({ all: [{ fact: "n", operator: "not:equal", value: 1 }] }), none, known)).toBeUndefined();
    expect(compileFast(rule({ all: [{ condition: "nope" }] }), none, known)).toBeUndefined();
    expect(compileFast(rule({ all: [{ fact: "n", operator: "greaterThan", value: 1 }] }), none, known)?.({ n: 2 })).toBe(true);
  });
});
