// The decision in the pool: the same slices (the nightly shape, 1,000,000 register meters with a
// baseline and one reading each, cut into one slice per partition: 16 x 62,500) decided
//   - inline:    by a BatchDecider in this thread (the baseline: no copy, no thread),
//   - 1 thread:  by a DecisionPool of one thread (the cost of crossing threads),
//   - 2 threads: by a DecisionPool of two (what the second core adds).
// Only the decision: no store, no slice loading, no commit. The pool is handed each slice's
// own columns as a worker hands them (transferred, not copied). The three alternate run by run;
// medians over --runs.
//   npm run build:ts && node --expose-gc dist/bench/pool/decide.js [--meters 1000000] [--runs 5]
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { createConsumptionKernel } from "../../engine/consumption/index.js";
import { BatchDecider } from "../../engine/decide/decide.js";
import { noHeld } from "../../engine/decide/slice.js";
import type { DecideInput } from "../../engine/decide/decide.js";
import { createMeterIndex } from "../../engine/ingest/meter-index.js";
import { canDecideInThreads, DecisionPool } from "../../engine/pool/index.js";
import { createFacts } from "../../engine/rules/facts.js";
import { loadDecisionSetup } from "../../engine/runtime/decision-setup.js";
import { createEntries } from "../../engine/store/history.js";
import { MeterIds } from "../../engine/runtime/meter-ids.js";
import { codeStrings } from "../../engine/store/meter-table.js";
import type { MeterTable } from "../../engine/store/meter-table.js";
import { createState } from "../../engine/store/state.js";

const { values } = parseArgs({ options: { meters: { type: "string", default: "1000000" }, runs: { type: "string", default: "5" } } });
const METERS = Number(values.meters);
const PARTITIONS = 16;
const runs = Number(values.runs);
const DAY = Math.floor(Date.parse("2026-11-30") / 86_400_000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

if (!canDecideInThreads()) throw new Error("run the compiled bench: npm run build:ts && node dist/bench/pool/decide.js");

/** One partition's slice: `m` meters, each with a baseline the day before and one new reading. */
function slice(p: number, m: number): DecideInput {
  const ids = Array.from({ length: m }, (_, i) => `E-${p}-${i}`);
  const text = new TextEncoder().encode(ids.join(""));
  let at = 0;
  const f64 = (v: number) => new Float64Array(m).fill(v);
  const meters: MeterTable = {
    // The ids as bytes, as a run's and a worker's slices carry them (runtime/slice.ts).
    size: m, ids: MeterIds.over(text, Int32Array.from(ids, (id) => (at += id.length))), keyOf: new Map(ids.map((id, i) => [id, i])), scale: f64(1), reset: f64(Number.NaN), digits: new Uint8Array(m), mode: new Uint8Array(m),
    type: codeStrings(ids.map(() => "electricity.register")), unit: codeStrings(ids.map(() => "kWh")), pulseWeight: f64(Number.NaN), pulseInput: new Uint8Array(m),
    pulseWidthMs: f64(Number.NaN), qmax: f64(Number.NaN), noPulseDays: f64(Number.NaN), debounceMs: f64(Number.NaN),
    baseValue: f64(1000), baseEnd: new Int32Array(m).fill(DAY - 1),
  };
  const state = createState(m);
  for (let k = 0; k < m; k++) {
    state.lastEnd[k] = DAY - 1;
    state.lastValue[k] = 1000 + (k % 97);
    state.readings[k] = 30;
    state.sumConsumption[k] = 300;
    state.sumDays[k] = 30;
  }
  const index = createMeterIndex();
  const meter = new Int32Array(m);
  for (let k = 0; k < m; k++) meter[k] = index.intern(ids[k]);
  const batch = {
    length: m, line: Float64Array.from({ length: m }, (_, i) => i + 2), meter, end: new Int32Array(m).fill(DAY),
    value: Float64Array.from({ length: m }, (_, k) => 1000 + (k % 97) + 8 + (k % 5)), override: f64(Number.NaN),
    source: new Uint8Array(m), verification: new Uint8Array(m), reject: new Uint8Array(m), rejectedRaw: new Map<number, string>(),
    rawOf: () => "", meters: index,
  };
  return { batch, keys: Int32Array.from({ length: m }, (_, k) => k), meters, state, history: createEntries(1),
    held: noHeld() };
}

const perPartition = Math.ceil(METERS / PARTITIONS);
const slices = Array.from({ length: PARTITIONS }, (_, p) => slice(p, perPartition));
// Each run decides fresh copies of the slices' own columns (untimed), as a worker cuts a slice
// per batch: the decision moves state on in place, and the pool takes the columns over.
const columns = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as Float64Array).slice() : v])) as T;
const fresh = (s: DecideInput): DecideInput => {
  const { keyOf: _, ...meters } = s.meters;
  const coded = (c: MeterTable["type"]) => ({ values: c.values, codes: c.codes.slice() });
  const { bytes, ends } = (meters.ids as MeterIds).packed();
  return { ...s, meters: { ...columns(meters), ids: MeterIds.over(bytes.slice(), ends.slice()), type: coded(meters.type), unit: coded(meters.unit), keyOf: s.meters.keyOf } as MeterTable,
    state: columns(s.state), keys: s.keys.slice(),
    history: columns(s.history), held: columns(s.held) };
};
console.log(`shape: ${(perPartition * PARTITIONS).toLocaleString("en")} register meters x 1 reading, ${PARTITIONS} slices of ${perPartition.toLocaleString("en")}; `
  + `${availableParallelism()} cores`);

const setup = await loadDecisionSetup({});
const facts = createFacts();
setup.pluginFacts.clear(facts as Record<string, unknown>);
const inline = new BatchDecider({ kernel: createConsumptionKernel({ implementation: "auto" }), rules: setup.rules, facts, pluginFacts: setup.pluginFacts });

/** A variant: its name, and how it decides a round of slices (billable readings returned). */
interface Variant {
  name: string;
  decideAll: (inputs: DecideInput[]) => Promise<number>;
  times: number[];
}

const pools = [1, 2].map((threads) => new DecisionPool({}, threads));
const variants: Variant[] = [
  { name: "inline", decideAll: async (inputs) => inputs.reduce((n, input) => n + inline.decide(input).counts.billable, 0), times: [] },
  ...pools.map((pool) => ({
    name: `${pool.threads} thread${pool.threads > 1 ? "s" : ""}`,
    decideAll: async (inputs: DecideInput[]) =>
      (await Promise.all(inputs.map((input) => pool.decide(input, { handOver: true })))).reduce((n, o) => n + o.counts.billable, 0),
    times: [],
  })),
];
// Warm-up (threads started, rules compiled, kernels instantiated), then the variants alternate
// run by run, so a burst of load on this shared machine falls on all of them alike.
for (const v of variants) await v.decideAll(slices.map(fresh));
for (let r = 0; r < runs; r++) {
  for (const v of variants) {
    const inputs = slices.map(fresh);
    // The copies' garbage collected now, not in the timed decision (run with --expose-gc).
    globalThis.gc?.();
    const t = performance.now();
    const billable = await v.decideAll(inputs);
    v.times.push((performance.now() - t) / 1000);
    if (billable !== perPartition * PARTITIONS) throw new Error(`${v.name}: ${billable} billable`);
  }
}
for (const pool of pools) await pool.close();
const [base, one, two] = variants.map((v) => {
  const s = median(v.times);
  console.log(`${v.name.padEnd(10)} ${s.toFixed(3).padStart(7)} s  ${((perPartition * PARTITIONS) / s / 1e6).toFixed(2)}M readings/s  (runs: ${v.times.map((t) => t.toFixed(3)).join(", ")})`);
  return s;
});
// Per run too: the two pools' runs of one round were measured seconds apart.
const ratios = variants[1].times.map((t, r) => t / variants[2].times[r]);
console.log(`2 threads vs 1 thread: ${(one / two).toFixed(2)}x (medians; per round ${ratios.map((x) => x.toFixed(2)).join(", ")}, median ${median(ratios).toFixed(2)}x); `
  + `1 thread vs inline: ${(base / one).toFixed(2)}x`);
