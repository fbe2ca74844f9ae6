// The decision pool (engine/pool/) against the decision in this thread: the same slice decided
// by a thread of the pool gives the same counts, state, ledger entries, held readings and
// alerts, though the thread unpacks meter names only when it needs them and hands its columns
// back instead of copying them; and the caller's own columns are untouched (only the columns
// the pool made for the task are transferred). The pool runs only from the compiled package,
// so this test loads it from dist/ (built by npm install).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../helpers/tmp.js";
import type { DecideInput, DecideOutput } from "../../../engine/decide/decide.js";
import { noHeld } from "../../../engine/decide/slice.js";
import { codeStrings, IdList } from "../../../engine/store/meter-table.js";
import type { MeterTable } from "../../../engine/store/meter-table.js";

const DIST = join(import.meta.dirname, "../../../dist/engine");
const load = async <T>(path: string): Promise<T> => (await import(join(DIST, path))) as T;

const { DecisionPool } = await load<typeof import("../../../engine/pool/index.js")>("pool/index.js");
const { BatchDecider } = await load<typeof import("../../../engine/decide/decide.js")>("decide/decide.js");
const { createConsumptionKernel } = await load<typeof import("../../../engine/consumption/index.js")>("consumption/index.js");
const { createMeterIndex } = await load<typeof import("../../../engine/ingest/meter-index.js")>("ingest/meter-index.js");
const { createFacts } = await load<typeof import("../../../engine/rules/facts.js")>("rules/facts.js");
const { loadDecisionSetup } = await load<typeof import("../../../engine/runtime/decision-setup.js")>("runtime/decision-setup.js");
const { createEntries } = await load<typeof import("../../../engine/store/history.js")>("store/history.js");
const { createState } = await load<typeof import("../../../engine/store/state.js")>("store/state.js");
const { describeError } = await load<typeof import("../../../engine/cli/report.js")>("cli/report.js");

const DAY = Math.floor(Date.parse("2026-11-30") / 86_400_000);

/** A slice of `m` meters with a reading each: most billable, every 7th going backwards (held), every 11th a spike. */
function slice(m: number): DecideInput {
  const ids = Array.from({ length: m }, (_, i) => `E-${i}`);
  const f64 = (v: number) => new Float64Array(m).fill(v);
  const meters: MeterTable = {
    size: m, ids: new IdList(ids), keyOf: new Map(ids.map((id, i) => [id, i])), scale: f64(1), reset: f64(Number.NaN), digits: new Uint8Array(m), mode: new Uint8Array(m),
    type: codeStrings(ids.map((_, i) => (i % 3 === 0 ? "water.register" : "electricity.register"))), unit: codeStrings(ids.map((_, i) => (i % 3 === 0 ? "m3" : "kWh"))),
    pulseWeight: f64(Number.NaN), pulseInput: new Uint8Array(m), pulseWidthMs: f64(Number.NaN), qmax: f64(Number.NaN), noPulseDays: f64(Number.NaN),
    debounceMs: f64(Number.NaN), baseValue: f64(1000), baseEnd: new Int32Array(m).fill(DAY - 1),
  };
  const state = createState(m);
  for (let k = 0; k < m; k++) {
    state.lastEnd[k] = DAY - 1;
    state.lastValue[k] = 1000 + k;
    state.readings[k] = 30;
    state.sumConsumption[k] = 300;
    state.sumDays[k] = 30;
  }
  const index = createMeterIndex();
  const meter = Int32Array.from(ids, (id) => index.intern(id));
  const value = Float64Array.from(ids, (_, k) => (k % 7 === 0 ? 1000 + k - 50 : k % 11 === 0 ? 1000 + k + 90_000 : 1000 + k + 9));
  const batch = {
    length: m, line: Float64Array.from(ids, (_, i) => i + 2), meter, end: new Int32Array(m).fill(DAY), value, override: f64(Number.NaN),
    source: new Uint8Array(m), verification: new Uint8Array(m), reject: new Uint8Array(m), rejectedRaw: new Map<number, string>(),
    rawOf: () => "", meters: index,
  };
  return { batch, keys: Int32Array.from(ids, (_, k) => k), meters, state, history: createEntries(1),
    held: noHeld() };
}

/** A copy of a slice's own columns (not the batch's): a decision moves state on in place, a hand-over detaches them. */
function copy(input: DecideInput): DecideInput {
  const columns = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as Float64Array).slice() : v])) as T;
  const { keyOf: _, ...meters } = input.meters;
  const coded = (c: MeterTable["type"]) => ({ values: c.values, codes: c.codes.slice() });
  return { ...input, meters: { ...columns(meters), type: coded(meters.type), unit: coded(meters.unit), keyOf: input.meters.keyOf } as MeterTable,
    state: columns(input.state),
    keys: input.keys.slice(), history: columns(input.history), held: columns(input.held) };
}

/** What a decision produced, as plain values. */
function outcome(o: DecideOutput) {
  const n = o.history.length;
  return {
    counts: o.counts,
    state: Object.fromEntries(Object.entries(o.state).map(([k, v]) => [k, ArrayBuffer.isView(v) ? [...(v as Float64Array)] : v])),
    history: Object.fromEntries(Object.entries(o.history).map(([k, v]) => [k, ArrayBuffer.isView(v) ? [...(v as Float64Array).subarray(0, n)] : v])),
    held: o.heldOut.map((h) => [h.row.meterId, h.row.end, h.reasons]),
    alerts: o.alerts.map((a) => [a.meterId, a.end, a.rule]),
  };
}

describe("the decision pool", () => {
  it("decides a slice as this thread does, and leaves the caller's columns as they were", async () => {
    const setup = await loadDecisionSetup({});
    const facts = createFacts();
    setup.pluginFacts.clear(facts as Record<string, unknown>);
    const inline = new BatchDecider({ kernel: createConsumptionKernel({ implementation: "auto" }), rules: setup.rules, facts, pluginFacts: setup.pluginFacts });
    const input = slice(5000);
    const expected = outcome(inline.decide(copy(input)));
    expect(expected.counts.billable).toBeGreaterThan(3000);
    expect(expected.held.length).toBeGreaterThan(500);

    const pool = new DecisionPool({}, 1);
    try {
      const before = { value: [...input.batch.value], meter: [...input.batch.meter], lastValue: [...input.state.lastValue], keys: [...input.keys] };
      // Twice as it is, then handed over: a thread's next slice must not see anything of its last.
      for (const handOver of [false, false, true]) {
        const slice = copy(input);
        const decided = await pool.decide(slice, { handOver });
        expect(outcome(decided)).toEqual(expected);
        // Handed over: the slice's own columns went to the thread; copied: they are still here.
        expect(slice.state.lastValue.length).toBe(handOver ? 0 : 5000);
        expect(slice.meters.scale.length).toBe(handOver ? 0 : 5000);
        expect(slice.meters.type.codes.length).toBe(handOver ? 0 : 5000);
      }
      expect(input.meters.type.codes.length).toBe(5000);
      expect([...input.batch.value]).toEqual(before.value);
      expect([...input.batch.meter]).toEqual(before.meter);
      expect([...input.state.lastValue]).toEqual(before.lastValue);
      expect([...input.keys]).toEqual(before.keys);
      expect(input.meters.ids.get(4999)).toBe("E-4999");
    } finally {
      await pool.close();
    }
  });

  it("rejects with the error the thread threw, its class, code, plugin and hook kept: one coded line, as in this thread", async () => {
    // A plugin whose derived fact (read by its rule) throws on every batch.
    const dir = tempDir();
    writeFileSync(join(dir, "boom.mjs"), `export default {
  name: "@test/boom", version: "1.0.0", sdk: "^1.0.0",
  sensors: [{ name: "turbidity", unit: "NTU", description: "turbidity", range: { min: 0, max: 1000 } }],
  facts: [{ name: "turbidity-class", description: "class", reads: ["turbidity"], writes: ["turbidity_class"],
    compute() { throw new Error("boom"); } }],
  rules: [{ name: "turb", rows: "reading", rules: [{ name: "turbid", conditions: { all: [{ fact: "turbidity_class", operator: "equal", value: 3 }] },
    event: { type: "alert", params: { severity: "warning", channel: "turbidity", message: "turbid" } } }] }],
};\n`);
    const config = join(dir, "meterflow.config.json");
    writeFileSync(config, JSON.stringify({ plugins: ["./boom.mjs"] }));
    const setup = await loadDecisionSetup({ config });
    const facts = createFacts();
    setup.pluginFacts.clear(facts as Record<string, unknown>);
    const inline = new BatchDecider({ kernel: createConsumptionKernel({ implementation: "auto" }), rules: setup.rules, facts, pluginFacts: setup.pluginFacts });
    let here: unknown;
    try {
      inline.decide(copy(slice(10)));
    } catch (error) {
      here = error;
    }
    // The first reading it throws on is named: slice(10)'s first row, E-0 (its line: the batch's row + 2).
    const expected = { name: "PluginError", code: "MF_ERR_PLUGIN_FACT", plugin: "@test/boom", hook: "facts:turbidity-class",
      message: "[plugin @test/boom] facts:turbidity-class: compute threw: boom (first at meter E-0, line 2)" };
    expect(here).toMatchObject(expected);
    const pool = new DecisionPool({ config }, 1);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const thrown = await pool.decide(slice(10)).then(() => undefined, (error: unknown) => error);
        expect(thrown).toBeInstanceOf(Error);
        expect(thrown).toMatchObject(expected);
        expect((thrown as Error).stack).toMatch(/PluginFacts\.build/);
        expect(describeError(thrown)).toEqual(describeError(here));
        expect(describeError(thrown)).toEqual({ lines: [`meterflow: ${expected.message} (MF_ERR_PLUGIN_FACT)`], status: 1 });
      }
    } finally {
      await pool.close();
    }
  });
});
