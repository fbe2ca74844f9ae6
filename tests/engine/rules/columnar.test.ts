// Columnar rules give, row by row, the exact compiler's result on the same facts, for random
// rules of the columnar subset over random columns (numbers with nulls and NaN, booleans with
// nulls); a set of rules compiled as one evaluator sets each rule's bit where that rule alone
// fires; and they refuse what columns cannot express.
import { describe, expect, it } from "vitest";
import { compileColumnar, compileColumnarSet, MAX_SET_RULES } from "../../../engine/rules/columnar.js";
import type { FactColumn } from "../../../engine/rules/columnar.js";
import { compileRule } from "../../../engine/rules/compile.js";
import { mulberry32, seeds } from "../../helpers/random.js";

const KINDS = { a: "number", b: "number", c: "number", t: "boolean", u: "boolean" } as const;
const NAMES = Object.keys(KINDS) as Array<keyof typeof KINDS>;

/** Random columns of the KINDS facts (numbers with nulls and NaN, booleans with nulls), the same rows as objects, and random rules over them. */
function world(seed: number) {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const n = 64;
  const numbers = [0, 1, -1, 2.5, 5, 1e308, -0, Number.NaN, null] as const;
  const columns: Record<string, FactColumn> = {};
  const rows: Array<Record<string, unknown>> = Array.from({ length: n }, () => ({}));
  for (const name of NAMES) {
    if (KINDS[name] === "number") {
      const col = { kind: "number" as const, values: new Float64Array(n), isNull: new Uint8Array(n) };
      for (let i = 0; i < n; i++) {
        const v = pick(numbers);
        rows[i][name] = v;
        if (v === null) col.isNull[i] = 1;
        else col.values[i] = v;
      }
      columns[name] = col;
    } else {
      const col = { kind: "boolean" as const, values: new Uint8Array(n) };
      for (let i = 0; i < n; i++) {
        const v = pick([true, false, null]);
        rows[i][name] = v;
        col.values[i] = v === null ? 2 : v ? 1 : 0;
      }
      columns[name] = col;
    }
  }
  const ops = ["equal", "notEqual", "lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive"];
  const leaf = () => ({ fact: pick(NAMES), operator: pick(ops), value: rnd() < 0.3 ? { fact: pick(NAMES) } : pick([0, 1, 2.5, -1, true, false, null]) });
  const node = (d: number): object => {
    const r = rnd();
    if (d > 2 || r < 0.45) return leaf();
    if (r < 0.6) return { not: node(d + 1) };
    if (r < 0.65) return { condition: "shared" };
    const kids = Array.from({ length: Math.floor(rnd() * 4) }, () => node(d + 1));
    return r < 0.82 ? { all: kids } : { any: kids };
  };
  const conditions = new Map([["shared", { all: [leaf(), leaf()] } as never]]);
  const rule = () => ({ conditions: (rnd() < 0.5 ? { all: [node(1)] } : { any: [node(1), node(1)] }) as never, event: { type: "hold" } });
  return { n, columns, rows, conditions, rule, rnd };
}

describe("columnar rules", () => {
  for (const seed of seeds(0xc01)) {
    it(`agree with the exact compiler row by row (seed ${seed}; MF_SEED=${seed})`, () => {
      const { n, columns, rows, conditions, rule: randomRule } = world(seed);
      const out = new Uint8Array(n);
      let compared = 0;
      for (let k = 0; k < 3000; k++) {
        const rule = randomRule();
        const columnar = compileColumnar(rule, conditions, KINDS);
        const exact = compileRule(rule, { conditions });
        if (columnar === undefined || exact.kind !== "compiled") continue;
        columnar(columns, n, out);
        for (let i = 0; i < n; i++) {
          let want: boolean;
          try {
            want = exact.evaluate(rows[i]);
          } catch {
            continue; // outside what the columnar subset may see: a condition that throws
          }
          if ((out[i] === 1) !== want) expect.fail(`rule ${JSON.stringify(rule.conditions)} row ${JSON.stringify(rows[i])}: columnar ${out[i]}, exact ${want}`);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(50_000);
    });

    it(`a set of rules sets bit r where its r-th rule fires, up to 32 rules (seed ${seed}; MF_SEED=${seed})`, () => {
      const { n, columns, conditions, rule: randomRule, rnd } = world(seed);
      const out = new Uint8Array(n);
      const fired = new Uint32Array(n).fill(0xdeadbeef);
      let bits = 0;
      for (let k = 0; k < 100; k++) {
        const size = k === 0 ? MAX_SET_RULES : 1 + Math.floor(rnd() * MAX_SET_RULES);
        const rules: Array<ReturnType<typeof randomRule>> = [];
        while (rules.length < size) {
          const rule = randomRule();
          if (compileColumnar(rule, conditions, KINDS) !== undefined) rules.push(rule);
        }
        const set = compileColumnarSet(rules, conditions, KINDS);
        if (set === undefined) expect.fail(`a set of ${size} columnar rules was refused`);
        set(columns, n, fired);
        rules.forEach((rule, r) => {
          compileColumnar(rule, conditions, KINDS)!(columns, n, out);
          for (let i = 0; i < n; i++) {
            if (((fired[i] >>> r) & 1) !== out[i]) expect.fail(`set of ${size}, rule ${r}, row ${i}: bit ${(fired[i] >>> r) & 1}, alone ${out[i]}`);
            bits += out[i];
          }
        });
        // No bit beyond the set's rules.
        if (size < 32) for (let i = 0; i < n; i++) expect(fired[i] >>> size).toBe(0);
      }
      expect(bits).toBeGreaterThan(1000);
      // More rules than bits, or one rule columns cannot express: no set evaluator.
      const many = Array.from({ length: MAX_SET_RULES + 1 }, () => ({ conditions: { all: [{ fact: "a", operator: "equal", value: 1 }] } as never, event: { type: "hold" } }));
      expect(compileColumnarSet(many, conditions, KINDS)).toBeUndefined();
      expect(compileColumnarSet(many.slice(0, 2), conditions, KINDS)).toBeDefined();
      const inList = { conditions: { all: [{ fact: "a", operator: "in", value: [1] }] } as never, event: { type: "hold" } };
      expect(compileColumnarSet([many[0], inList], conditions, KINDS)).toBeUndefined();
    });
  }

  it("refuses what columns cannot express", () => {
    const none = new Map();
    const r = (conditions: object) => ({ conditions: conditions as never, event: { type: "hold" } });
    expect(compileColumnar(r({ all: [{ fact: "a", operator: "in", value: [1] }] }), none, KINDS)).toBeUndefined();
    expect(compileColumnar(r({ all: [{ fact: "s", operator: "equal", value: "x" }] }), none, KINDS)).toBeUndefined();
    expect(compileColumnar(r({ all: [{ fact: "a", operator: "equal", value: "1" }] }), none, KINDS)).toBeUndefined();
    expect(compileColumnar(r({ all: [{ fact: "a", path: "$.x", operator: "equal", value: 1 }] }), none, KINDS)).toBeUndefined();
  });
});
