// Columnar rules give, row by row, the exact compiler's result on the same facts, for random
// rules of the columnar subset over random columns (numbers with nulls and NaN, booleans with
// nulls); and they refuse what columns cannot express.
import { describe, expect, it } from "vitest";
import { compileColumnar } from "../../../engine/rules/columnar.js";
import type { FactColumn } from "../../../engine/rules/columnar.js";
import { compileRule } from "../../../engine/rules/compile.js";
import { mulberry32, seeds } from "../../helpers/random.js";

const KINDS = { a: "number", b: "number", c: "number", t: "boolean", u: "boolean" } as const;
const NAMES = Object.keys(KINDS) as Array<keyof typeof KINDS>;

describe("columnar rules", () => {
  for (const seed of seeds(0xc01)) {
    it(`agree with the exact compiler row by row (seed ${seed}; MF_SEED=${seed})`, () => {
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
      const out = new Uint8Array(n);
      let compared = 0;
      for (let k = 0; k < 3000; k++) {
        const rule = { conditions: (rnd() < 0.5 ? { all: [node(1)] } : { any: [node(1), node(1)] }) as never, event: { type: "hold" } };
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
