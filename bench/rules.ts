// Rules on 100,000 synthetic readings with the default rules: json-rules-engine itself, meterflow's
// Engine (its API, compiled) and the compiled closures called directly, all measured in this run,
// after checking that json-rules-engine and the closures fire the same events on every reading of
// the subset json-rules-engine is timed on.
//   node dist/bench/rules.js [readings] [json-rules-engine subset]
import { Engine as JreEngine } from "json-rules-engine";
import { Bench } from "tinybench";
import { defaultRuleFiles, RulesDecider } from "../engine/decide/rules.js";
import type { FactColumn } from "../engine/rules/columnar.js";
import { compileRules, Engine, FACTS, loadRuleFiles, SPIKE_FACTORS } from "../engine/rules/index.js";
import type { CompiledRule, ConditionProperties, RuleEvent, RuleProperties, RuleSet } from "../engine/rules/index.js";
import { medianMs } from "./lib/report.js";

const N = Number(process.argv[2] ?? 100_000);
const SUBSET = Math.min(N, Number(process.argv[3] ?? 5_000));
// Share of readings off the ordinary path: flags, zero under verification, spikes, unknown meters.
const UNUSUAL_SHARE = 0.1;

type Facts = Record<string, string | number | boolean | null>;

const PULSE_FAULTS = ["open_circuit", "short_circuit", "magnetic", "bounce", "leak", "no_consumption", "backflow"];

/** A reading's facts with every fact of engine/rules/facts.ts: mostly ordinary, a tenth not. */
function readings(n: number): Facts[] {
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const booleans = Object.keys(FACTS).filter((k) => FACTS[k].type === "boolean");
  const out: Facts[] = [];
  for (let i = 0; i < n; i++) {
    const f: Facts = {};
    for (const [name, spec] of Object.entries(FACTS)) f[name] = spec.type === "boolean" ? false : null;
    const history = Math.floor(rnd() * 40);
    const average = history > 0 ? 0.5 + rnd() * 20 : null;
    const days = 28 + Math.floor(rnd() * 4);
    let daily = average === null ? 1 + rnd() * 10 : average * (0.5 + rnd() * 1.5);
    Object.assign(f, {
      meter_id: `M-${i % 20_000}`, end: "2026-01-31", source: "auto", verification: rnd() < 0.05,
      meter_type: "electricity.register", unit: "kWh", scaling_factor: 1, digits: i % 5 === 0 ? 6 : null,
      days, previous: 10_000 + Math.floor(rnd() * 80_000), history_readings: history, average_daily: average,
      average_daily_high: average === null ? null : average * SPIKE_FACTORS.high,
      average_daily_low: average === null ? null : average * SPIKE_FACTORS.low,
    });
    const r = rnd();
    if (r < UNUSUAL_SHARE) {
      switch (Math.floor((r / UNUSUAL_SHARE) * 9)) {
        case 0: f.meter_type = "water.pulse"; f[pick(PULSE_FAULTS)] = true; break;
        case 1: f.verification = true; daily = 0; break;
        case 2: if (average !== null) daily = average * SPIKE_FACTORS.high * (1.1 + rnd() * 3); break;
        case 3: if (average !== null) daily = average * SPIKE_FACTORS.low * (0.1 + rnd() * 0.8); break;
        case 4:
          Object.assign(f, { unknown_meter: true, meter_type: null, unit: null, scaling_factor: null, digits: null,
            history_readings: 0, average_daily: null, average_daily_high: null, average_daily_low: null });
          break;
        case 5: Object.assign(f, { initial: true, previous: null, history_readings: 0 }); daily = 0; break;
        case 6: Object.assign(f, { rollover: true, implausible_rollover: rnd() < 0.5 }); break;
        case 7: daily = -1 - rnd() * 5; break;
        default: f[pick(booleans)] = true; // an operator's flag, a conflict, or any other flag
      }
    }
    const consumption = daily * days;
    Object.assign(f, {
      daily, consumption, zero: consumption === 0 && f.initial !== true,
      value: f.previous === null ? 5_000 : (f.previous as number) + consumption,
    });
    out.push(f);
  }
  return out;
}

/** An engine with the rule set's named conditions and rules (copies: json-rules-engine writes into them). */
function build<E extends { setCondition(name: string, c: never): unknown; addRule(rule: never): unknown }>(engine: E, set: RuleSet): E {
  for (const c of set.conditions) engine.setCondition(c.name, structuredClone(c.conditions) as never);
  for (const r of set.rules) engine.addRule(structuredClone(r.rule) as never);
  return engine;
}

/** Fired events of every reading, by the compiled closures in priority order (as json-rules-engine orders levels). */
function closures(rules: readonly CompiledRule[], facts: readonly Facts[], onReading?: (events: readonly RuleEvent[]) => void): number {
  const fired: RuleEvent[] = [];
  let total = 0;
  for (let i = 0; i < facts.length; i++) {
    fired.length = 0;
    const f = facts[i];
    for (let k = 0; k < rules.length; k++) if (rules[k].evaluate(f)) fired.push(rules[k].event);
    total += fired.length;
    onReading?.(fired);
  }
  return total;
}

/** The same events as a set: within a priority level json-rules-engine orders by completion, not by rule. */
const key = (events: readonly RuleEvent[]): string => events.map((e) => JSON.stringify(e)).sort().join("\n");

/** The facts as the columns the pipeline builds (number facts with a null mask; booleans 0/1/2). */
function toColumns(facts: readonly Facts[]): Record<string, FactColumn> {
  const n = facts.length;
  const out: Record<string, FactColumn> = {};
  for (const [name, spec] of Object.entries(FACTS)) {
    if (spec.type === "number") {
      const col = { kind: "number" as const, values: new Float64Array(n), isNull: new Uint8Array(n) };
      facts.forEach((f, i) => (f[name] === null ? (col.isNull[i] = 1) : (col.values[i] = f[name] as number)));
      out[name] = col;
    } else if (spec.type === "boolean") {
      const col = { kind: "boolean" as const, values: new Uint8Array(n) };
      facts.forEach((f, i) => (col.values[i] = f[name] === null ? 2 : f[name] ? 1 : 0));
      out[name] = col;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const set = await loadRuleFiles(defaultRuleFiles());
  const all = readings(N);
  const subset = all.slice(0, SUBSET);
  const jre = build(new JreEngine(), set);
  const engine = build(new Engine(), set);
  const conditions = new Map(set.conditions.map((c) => [c.name, c.conditions as ConditionProperties]));
  const compiled = compileRules(set.rules.map((r) => r.rule as RuleProperties), { conditions });
  if (compiled.warnings.length > 0) throw new Error(`default rules not compiled: ${compiled.warnings.join("; ")}`);
  const rules = (compiled.rules as CompiledRule[]).slice().sort((a, b) => b.priority - a.priority);

  // Same events on every reading of the subset: json-rules-engine against the closures (as sets)
  // and against meterflow's Engine (in order, which the Engine reproduces).
  const expected: string[] = [];
  let firing = 0;
  for (const f of subset) {
    const r = await jre.run(f);
    expected.push(key(r.events as RuleEvent[]));
    if (r.events.length > 0) firing++;
    const mine = await engine.run(f);
    if (JSON.stringify(mine.events) !== JSON.stringify(r.events)) {
      throw new Error(`Engine and json-rules-engine differ on ${JSON.stringify(f)}: ${JSON.stringify(mine.events)} vs ${JSON.stringify(r.events)}`);
    }
  }
  // The pipeline's decider (fast expressions where a rule allows): the same decisions.
  const decider = await RulesDecider.load(defaultRuleFiles());
  const reasonsOf = (events: readonly RuleEvent[]) => events
    .map((e) => (e.type === "temp_bad" ? `temp_bad:${String(e.params?.reason)}` : String(e.params?.reason))).sort().join("|");
  for (let i = 0; i < subset.length; i++) {
    const r = await jre.run(subset[i]);
    const got = decider.decide(subset[i] as never).reasons.split("|").filter((x) => x !== "").sort().join("|");
    if (got !== reasonsOf(r.events as RuleEvent[])) throw new Error(`decider and json-rules-engine differ on ${JSON.stringify(subset[i])}`);
  }
  // (e) the pipeline's columnar evaluation: the facts as typed columns (built once, untimed:
  // the pipeline builds them from the batch, ~0.1 us/reading, counted in its compute stage).
  const columns = toColumns(all);
  const fired = new Uint32Array(N);
  decider.evaluateColumns(columns, N, fired);
  for (let i = 0; i < SUBSET; i++) {
    const got = decider.decideFired(fired[i]).reasons.split("|").filter((x) => x !== "").sort().join("|");
    const want = decider.decide(subset[i] as never).reasons.split("|").filter((x) => x !== "").sort().join("|");
    if (got !== want) throw new Error(`columnar and row-by-row decisions differ on ${JSON.stringify(subset[i])}`);
  }
  let row = 0;
  closures(rules, subset, (events) => {
    const got = key(events);
    if (got !== expected[row]) throw new Error(`closures and json-rules-engine differ on ${JSON.stringify(subset[row])}: ${got} vs ${expected[row]}`);
    row++;
  });
  console.log(`rules, ${set.rules.length} default rules, ${N.toLocaleString("en")} readings (json-rules-engine on the first ` +
    `${SUBSET.toLocaleString("en")}), node ${process.version}`);
  console.log(`identical events on all ${SUBSET.toLocaleString("en")} readings of the subset ` +
    `(${(firing / SUBSET * 100).toFixed(1)}% fire a rule)\n`);

  const bench = new Bench({ name: "rules", iterations: 5, time: 0, warmupIterations: 1, warmupTime: 0 });
  const items: Record<string, number> = {};
  const add = (name: string, n: number, fn: () => unknown, async: boolean) => ((items[name] = n), bench.add(name, fn as never, { async }));
  add("(a) json-rules-engine run()", SUBSET, async () => { for (const f of subset) await jre.run(f); }, true);
  add("(b) meterflow Engine run()", N, async () => { for (const f of all) await engine.run(f); }, true);
  add("(c) compiled closures, plain loop", N, () => closures(rules, all), false);
  add("(e) columnar rules over fact columns", N, () => decider.evaluateColumns(columns, N, fired), false);
  add("(d) pipeline decider (fast expressions)", N, () => {
    let held = 0;
    for (const f of all) if (decider.decide(f as never).reasons !== "") held++;
    return held;
  }, false);
  await bench.run();

  const rate = (name: string) => items[name] / (medianMs(bench, name) / 1e3);
  const base = rate("(a) json-rules-engine run()");
  const rows = bench.tasks.map((t) => [t.name, items[t.name].toLocaleString("en"), Math.round(rate(t.name)).toLocaleString("en"),
    ((medianMs(bench, t.name) * 1e6) / items[t.name]).toFixed(0), (rate(t.name) / base).toFixed(1) + "x"]);
  const header = ["task", "readings", "readings/s", "ns/reading", "vs (a)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

await main();
