// One list of facts (sdk/reading-facts.ts): the facts object, the columnar rules' flag facts, the
// row-by-row judge, the linter's types and the SDK's reserved names all follow it.
import { describe, expect, it } from "vitest";
import { judge } from "../../../engine/decide/judge.js";
import type { BatchOutput, DecideContext } from "../../../engine/decide/output.js";
import { FLAG } from "../../../engine/flags/flags.js";
import { createFacts, factTypes, FLAG_FACTS } from "../../../engine/rules/facts.js";
import { IdList } from "../../../engine/store/meter-table.js";
import { createState } from "../../../engine/store/state.js";
import { FACT_READING_FIELDS, READING_FACTS, RECORD_FIELDS, RESERVED_NAMES } from "../../../sdk/index.js";

const names = READING_FACTS.map((f) => f.name);

describe("the one list of facts", () => {
  it("is the facts object, in order, with null exactly for the nullable facts", () => {
    const facts = createFacts();
    expect(Object.keys(facts)).toEqual(names);
    for (const f of READING_FACTS) {
      if (f.nullable) expect(facts[f.name], f.name).toBeNull();
      else expect(typeof facts[f.name], f.name).toBe(f.type);
    }
    expect(factTypes()).toEqual(Object.fromEntries(READING_FACTS.map((f) => [f.name, f.type])));
  });

  it("names every kernel flag a rule can test, each with its FLAG bit", () => {
    expect(FLAG_FACTS.length).toBeGreaterThan(10);
    for (const name of FLAG_FACTS) expect(FLAG[name as keyof typeof FLAG], name).toBeGreaterThan(0);
  });

  it("is what the row-by-row judge fills for every reading, nothing more", () => {
    const UNSET = "\u0000unset";
    const facts = Object.fromEntries(names.map((n) => [n, UNSET])) as Record<string, unknown>;
    const ctx = {
      facts,
      meters: { ids: new IdList(["M-1"]), type: { values: ["electricity.register"], codes: Uint32Array.of(0) }, unit: { values: ["kWh"], codes: Uint32Array.of(0) }, scale: Float64Array.of(1), digits: Uint8Array.of(0) },
      state: createState(1),
      rules: { version: "test", decide: () => ({ reasons: "", tempBad: undefined, alerts: [] }) },
      flags: { setByRun: () => undefined },
    } as unknown as DecideContext;
    const out = { alerts: [], audit: [] } as unknown as BatchOutput;
    expect(judge(ctx, out, 0, 20_000, 10, Number.NaN, 1, 2, 1, 5, 5, 1, 5, FLAG.rollover)).toBe("");
    expect(Object.entries(facts).filter(([, v]) => v === UNSET).map(([k]) => k)).toEqual([]);
    expect(Object.keys(facts)).toEqual(names);
    expect(facts).toMatchObject({ source: "manual", verification: true, has_photo: true, rollover: true, initial: false, previous: 5, override: null });
  });

  it("gives the SDK its reserved names and the fields a derived fact reads", () => {
    expect(RESERVED_NAMES).toEqual(new Set([...names, ...RECORD_FIELDS]));
    for (const field of FACT_READING_FIELDS) expect(names, field).toContain(field);
  });
});
