// Differential test: random rule sets and facts through json-rules-engine and the compiled Engine;
// rejections, events, failure events and every rule's (and leaf condition's) result must agree.
import { Engine as JreEngine } from "json-rules-engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../../engine/rules/index.js";
import { mulberry32, seeds } from "../../helpers/random.js";

const CASES = 10_000;
const FACTS = ["a", "b", "c", "d"];
const OPS = ["equal", "notEqual", "in", "notIn", "contains", "doesNotContain", "lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive"];
const DECORATORS = ["everyFact", "someFact", "everyValue", "someValue", "not", "swap"];
const PATHS = ["$.x", "$.x.y", "$.arr[0]", "$.arr[*]", "$.arr[*].y", "$.*", "$", "$['x']", "$.arr.length", "$.nope[*]"];

type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function scalar(r: Rng): unknown {
  return pick(r, [0, 1, 5, 10, 100, -3, 2.5, NaN, "5", "12abc", "abc", "a", "", null, true, false, undefined, "100"]);
}

function value(r: Rng, depth = 0): unknown {
  const k = r();
  if (k < 0.55 || depth > 1) return scalar(r);
  if (k < 0.8) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  const o: Record<string, unknown> = {};
  if (r() < 0.7) o.x = r() < 0.5 ? scalar(r) : { y: scalar(r) };
  if (r() < 0.6) o.arr = Array.from({ length: Math.floor(r() * 3) }, () => (r() < 0.5 ? scalar(r) : { y: scalar(r) }));
  return o;
}

function operator(r: Rng): string {
  let op = pick(r, OPS);
  const n = r() < 0.5 ? 0 : r() < 0.7 ? 1 : 2;
  for (let i = 0; i < n; i++) op = `${pick(r, DECORATORS)}:${op}`;
  if (r() < 0.01) op = pick(r, ["bogus", "not:", "nope:equal"]);
  return op;
}

function leaf(r: Rng): Record<string, unknown> {
  const c: Record<string, unknown> = { fact: r() < 0.04 ? "missing" : pick(r, FACTS), operator: operator(r) };
  const k = r();
  c.value = k < 0.15 ? { fact: r() < 0.1 ? "missing" : pick(r, FACTS), ...(r() < 0.4 ? { path: pick(r, PATHS) } : {}) } : k < 0.55 ? Array.from({ length: Math.floor(r() * 4) }, () => scalar(r)) : value(r);
  if (r() < 0.3) c.path = pick(r, PATHS);
  if (r() < 0.1) c.params = { p: 1 };
  if (r() < 0.25) c.priority = pick(r, [1, 2, 3, 0]);
  return c;
}

function node(r: Rng, depth: number, refs: readonly string[] = ["c1", "c2", "nope"]): Record<string, unknown> {
  const k = r();
  if (depth >= 3 || k < 0.45) return leaf(r);
  if (k < 0.52) return { condition: r() < 0.1 ? "nope" : pick(r, refs.filter((x) => x !== "nope")), ...(r() < 0.2 ? { priority: 2 } : {}) };
  const extra = r() < 0.2 ? { priority: pick(r, [1, 2, 3]) } : {};
  if (k < 0.62) return { not: node(r, depth + 1, refs), ...extra };
  const kids = Array.from({ length: Math.floor(r() * 4) }, () => node(r, depth + 1, refs));
  return { [r() < 0.5 ? "all" : "any"]: kids, ...extra };
}

function rule(r: Rng, i: number): Record<string, unknown> {
  const k = r();
  const conditions = k < 0.05 ? { condition: pick(r, ["c1", "c2"]) } : k < 0.15 ? { not: node(r, 1) } : { [r() < 0.5 ? "all" : "any"]: Array.from({ length: Math.floor(r() * 4) }, () => node(r, 1)) };
  const ev: Record<string, unknown> = { type: `e${i}` };
  if (r() < 0.5) ev.params = pick(r, [{ n: i }, { s: "x", list: [1, 2] }, null, 0]);
  const out: Record<string, unknown> = { conditions, event: ev, name: `r${i}` };
  if (r() < 0.7) out.priority = pick(r, [1, 2, 3, 1, 2]);
  return out;
}

function facts(r: Rng): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  for (const id of FACTS) {
    const k = r();
    if (k < 0.05) continue;
    f[id] = k < 0.1 ? undefined : value(r);
  }
  return f;
}

interface Case { rules: Record<string, unknown>[]; conditions: Record<string, Record<string, unknown>>; facts: Record<string, unknown>; options: Record<string, boolean> }

function makeCase(r: Rng): Case {
  const rules = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => rule(r, i));
  const conditions: Record<string, Record<string, unknown>> = { c1: { all: [leaf(r), leaf(r)] } };
  if (r() < 0.7) conditions.c2 = r() < 0.5 ? { any: [leaf(r), node(r, 2, ["c1", "nope"])] } : { not: leaf(r) };
  const options = { allowUndefinedFacts: r() < 0.3, allowUndefinedConditions: r() < 0.3 };
  return { rules, conditions, facts: facts(r), options };
}

// Leaf results in tree order; json-rules-engine's RuleResult and ours are walked the same way.
function leafResults(c: any, out: unknown[] = []): unknown[] {
  for (const k of ["any", "all"]) if (Array.isArray(c[k])) { out.push(`${k}:${c.result}`); c[k].forEach((x: any) => leafResults(x, out)); return out; }
  if (c.not && typeof c.not === "object" && !Array.isArray(c.not)) { out.push(`not:${c.result}`); leafResults(c.not, out); return out; }
  out.push(c.condition === undefined ? [c.fact, c.result, c.factResult, c.valueResult] : [c.condition, c.result]);
  return out;
}

async function outcome(run: () => Promise<any>): Promise<unknown> {
  try {
    const r = await run();
    const res = (xs: any[]) => xs.map((x) => ({ name: x.name, result: x.result, priority: x.priority, event: x.event, leaves: leafResults(x.conditions) }));
    return { events: r.events, failureEvents: r.failureEvents, results: res(r.results), failureResults: res(r.failureResults) };
  } catch (e) {
    return { rejected: (e as Error).message };
  }
}

function clone(c: Case): Case {
  return structuredClone(c);
}

// json-rules-engine leaves the rejections of sibling conditions unhandled once run() has rejected;
// they are its noise, not this test's failures.
const saved = process.listeners("unhandledRejection");
beforeAll(() => {
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", () => {});
});
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.removeAllListeners("unhandledRejection");
  for (const l of saved) process.on("unhandledRejection", l);
});

for (const seed of seeds(20261124)) {
  describe(`rules conformance (seed ${seed})`, () => {
    it(`${CASES} random rule sets agree with json-rules-engine`, async () => {
      const r = mulberry32(seed);
      let mismatches = 0;
      let rejected = 0;
      for (let n = 0; n < CASES; n++) {
        const c = makeCase(r);
        const a = clone(c);
        const jre = new JreEngine([], a.options);
        for (const [k, v] of Object.entries(a.conditions)) jre.setCondition(k, v as never);
        for (const rl of a.rules) jre.addRule(rl as never);
        const b = clone(c);
        const mine = new Engine([], b.options);
        for (const [k, v] of Object.entries(b.conditions)) mine.setCondition(k, v as never);
        for (const rl of b.rules) mine.addRule(rl as never);
        const want = await outcome(() => jre.run(a.facts));
        const got = await outcome(() => mine.run(b.facts));
        if ((want as any).rejected !== undefined) rejected++;
        try {
          expect(got).toEqual(want);
        } catch (e) {
          if (mismatches++ < 3) {
            console.error(`seed ${seed} case ${n}\nrules ${JSON.stringify(c.rules)}\nconditions ${JSON.stringify(c.conditions)}\nfacts ${JSON.stringify(c.facts)} options ${JSON.stringify(c.options)}\nwant ${JSON.stringify(want)}\ngot  ${JSON.stringify(got)}`);
          }
        }
      }
      console.log(`seed ${seed}: ${CASES} cases, ${rejected} rejected runs, ${mismatches} mismatches`);
      expect(mismatches).toBe(0);
    });
  });
}
