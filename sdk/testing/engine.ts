// A small engine for testing plugins: the SDK's registry and threshold tracker with the
// engine's channel rules, no files, database or threads. What it does as the engine does:
// plugins register dependencies first; a channel value outside its range (inclusive) is rejected
// `out_of_range`, a channel no plugin defines `unknown_channel`; each meter's readings are judged
// in time order (sorted per feed, and across feeds a value older than the last one seen for that
// meter and channel is `late`); thresholds keep their state across feeds. `decide` runs the
// rules as the engine does (sdk/testing/rule-check.ts loads them, checked against the facts that
// exist): the plugins' rule files and any given, on reading rows and, for rule files of
// `"rows": "sensor"` or `"both"`, on sensor rows; alerts of plugin rules are `<plugin>/<rule>`.
import { RulesDecider } from "../../engine/decide/rules.js";
import { FACTS } from "../../engine/rules/facts.js";
import type { PluginDescriptor } from "../plugin.js";
import { PluginRegistry } from "../registry.js";
import type { Alert } from "../thresholds.js";
import { ThresholdTracker } from "../thresholds.js";
import { timeOrder } from "../time-order.js";
import { loadPluginRules, pluginFactNames } from "./rule-check.js";

/** Options of createTestEngine. */
export interface TestEngineOptions {
  /** The plugins with their dependencies, in any order. */
  readonly plugins: readonly PluginDescriptor[];
  /** Rule files (paths) decide runs beside the plugins' rule files, as `meterflow run --rules` gives them. */
  readonly rules?: readonly string[];
  /** Also the engine's default rules (they hold a meter's first reading, spikes, ...). Default false. */
  readonly defaultRules?: boolean;
}

/**
 * A row for decide: a reading row (with a register `value`) or a sensor row (no `value`: channel
 * values only). `facts` sets reading facts (README "Rules": consumption, days, initial, ...).
 */
export interface TestRow {
  readonly meterId: string;
  /** Epoch milliseconds, or ISO 8601; the fact `end` is its UTC day. */
  readonly time: string | number;
  /** The register value; absent for a sensor row. */
  readonly value?: number;
  /** Channel values (wide columns); NaN or absent is not measured (null to the rules). */
  readonly channels?: Readonly<Record<string, number>>;
  /**
   * Reading facts for a reading row (the others: null when they can be absent, else 0, false or
   * ""); a sensor row's reading facts are null, as in a run, but these may set its meter's facts.
   */
  readonly facts?: Readonly<Record<string, string | number | boolean | null>>;
}

/** An alert a rule raised. */
export interface TestRuleAlert {
  /** `<plugin>/<rule>` for a plugin's rule; the rule's name for a rule file's. */
  readonly rule: string;
  readonly severity: string;
  readonly channel: string;
  readonly message: string;
}

/** What the rules decided for one row of decide (in the order given). */
export interface TestDecision {
  readonly meterId: string;
  readonly time: string | number;
  readonly row: "reading" | "sensor";
  /** A reading row no rule held (always false for a sensor row: it is never billed). */
  readonly billable: boolean;
  /** Hold reasons as held.csv writes them: `dry`, `temp_bad:leak`, `rule_error:<rule>`. */
  readonly reasons: readonly string[];
  /** The reason of a temp_bad event (the meter is flagged for its later readings). */
  readonly tempBad: string | undefined;
  readonly alerts: readonly TestRuleAlert[];
}

/** One reading of a meter: its time and its channels' values (a wide row). */
export interface TestReading {
  readonly meterId: string;
  /** Epoch milliseconds, or ISO 8601 (`2026-11-30`, `2026-11-30T06:00:00Z`; no offset = UTC). */
  readonly time: string | number;
  /** Values by channel; NaN is a channel not measured (an empty cell) and is skipped. */
  readonly channels: Readonly<Record<string, number>>;
}

/** What validate says of a value. */
export type ChannelCheck = "ok" | "out_of_range" | "unknown_channel";

/** A channel value the test engine refused, with the reason. */
export interface TestRejection {
  readonly meterId: string;
  readonly time: string | number;
  readonly channel: string;
  readonly value: number;
  readonly reason: "out_of_range" | "unknown_channel" | "bad_time";
}

/** A channel value older than one already seen for its meter and channel. */
export interface TestLateValue {
  readonly meterId: string;
  readonly time: string | number;
  readonly channel: string;
  readonly value: number;
}

/** What feed found. */
export interface FeedResult {
  readonly alerts: Alert[];
  readonly rejected: TestRejection[];
  readonly late: TestLateValue[];
}

/** A test engine over some plugins. */
export interface TestEngine {
  readonly registry: PluginRegistry;
  readonly tracker: ThresholdTracker;
  /** Messages the plugins' hooks logged, prefixed `[plugin <name>] `. */
  readonly logs: readonly string[];
  /** Whether the engine accepts `value` on `channel`. */
  validate(channel: string, value: number): ChannelCheck;
  /** Runs every fact on the columns (registry.runFacts); returns `columns` with the facts added. */
  facts(columns: Record<string, Float64Array>, length: number): Record<string, Float64Array>;
  /** Judges readings: rejections, late values and the alerts of thresholds with durations. */
  feed(readings: readonly TestReading[]): FeedResult;
  /**
   * Runs the rules (the plugins' rule files, `options.rules`, the default rules when asked) over
   * reading and sensor rows, each meter's in time order: what each row's rules decided. The
   * rules are loaded on the first call: a misspelt fact or operator throws RulesInvalidError
   * (MF_ERR_RULES_UNKNOWN_FACT, MF_ERR_RULES_UNKNOWN_OPERATOR) as `meterflow run` stops on it.
   */
  decide(rows: readonly TestRow[]): TestDecision[];
  /** Runs the plugins' setup hooks. */
  setup(): Promise<void>;
  /** Runs the plugins' teardown hooks. */
  teardown(): Promise<void>;
}

/**
 * Registers `plugins` (dependencies first) in a fresh registry and returns an engine over them.
 *
 * @throws PluginError when a plugin cannot register (MF_ERR_PLUGIN_...).
 * @example
 * const engine = createTestEngine({ plugins: [vibration] });
 * engine.validate("vibration", 120);                     // "out_of_range"
 * const { alerts } = engine.feed([
 *   { meterId: "P-1", time: "2026-11-30T06:00:00Z", channels: { vibration: 7.5 } },
 *   { meterId: "P-1", time: "2026-11-30T06:10:00Z", channels: { vibration: 7.6 } }, // 10 min: not yet
 *   { meterId: "P-1", time: "2026-11-30T06:11:00Z", channels: { vibration: 7.4 } }, // more than 10
 * ]);                                                     // one alert, rule "@acme/meterflow-vibration/shaking"
 */
export function createTestEngine(options: TestEngineOptions): TestEngine {
  const registry = new PluginRegistry();
  registry.registerAll(options.plugins);
  const tracker = new ThresholdTracker(registry.thresholds);
  const logs: string[] = [];
  const log = (message: string) => void logs.push(message);

  const validate = (channel: string, value: number): ChannelCheck => {
    const c = registry.channel(channel);
    if (c === undefined) return "unknown_channel";
    const inside = typeof value === "number" && value >= c.range.min && value <= c.range.max;
    return inside && (c.integer !== true || Number.isInteger(value)) ? "ok" : "out_of_range";
  };

  const feed = (readings: readonly TestReading[]): FeedResult => {
    const result: FeedResult = { alerts: [], rejected: [], late: [] };
    const times = readings.map((r) => timeOf(r.time));
    const order = timeOrder(readings.map((r) => r.meterId), times, readings.length);
    for (const i of order) {
      const { meterId, time, channels } = readings[i] as TestReading;
      const timeMs = times[i] as number;
      for (const [channel, value] of Object.entries(channels)) {
        if (Number.isNaN(value)) continue;
        if (Number.isNaN(timeMs)) {
          result.rejected.push({ meterId, time, channel, value, reason: "bad_time" });
          continue;
        }
        const check = validate(channel, value);
        if (check !== "ok") {
          result.rejected.push({ meterId, time, channel, value, reason: check });
          continue;
        }
        const r = tracker.observe(meterId, channel, timeMs, value);
        if (r === "late") result.late.push({ meterId, time, channel, value });
        else result.alerts.push(...r);
      }
    }
    return result;
  };

  let rules: RulesDecider | undefined;
  /** Meters a temp_bad rule flagged (their later readings have meter_temp_bad true). */
  const flagged = new Set<string>();
  const decide = (rows: readonly TestRow[]): TestDecision[] => {
    const extra = pluginFactNames(registry);
    rules ??= RulesDecider.fromRuleSet(loadPluginRules(registry, { files: options.rules, defaultRules: options.defaultRules }), extra);
    const n = rows.length;
    const times = rows.map((r) => timeOf(r.time));
    // Plugin facts as the engine computes them: channel columns, then every derived fact.
    const column = (f: (row: TestRow) => unknown) => Float64Array.from(rows, (r) => {
      const v = f(r);
      return typeof v === "number" ? v : Number.NaN;
    });
    const reading = (r: TestRow) => typeof r.value === "number";
    const columns: Record<string, Float64Array> = {
      value: column((r) => r.value),
      previous: column((r) => (reading(r) ? r.facts?.previous : undefined)),
      consumption: column((r) => (reading(r) ? r.facts?.consumption ?? 0 : undefined)),
      days: column((r) => (reading(r) ? r.facts?.days ?? 1 : undefined)),
      daily: column((r) => (reading(r) ? r.facts?.daily ?? r.facts?.consumption ?? 0 : undefined)),
    };
    for (const c of registry.channels) columns[c.name] = column((r) => r.channels?.[c.name]);
    registry.runFacts(columns, n);
    const out: TestDecision[] = new Array(n);
    for (const i of timeOrder(rows.map((r) => r.meterId), times, n)) {
      const row = rows[i] as TestRow;
      const isReading = reading(row);
      const facts: Record<string, string | number | boolean | null> = {};
      const base = { number: 0, boolean: false, string: "" } as const;
      for (const [name, spec] of Object.entries(FACTS)) facts[name] = !isReading || spec.nullable ? null : base[spec.type];
      const ms = times[i] as number;
      facts.meter_id = row.meterId;
      facts.end = Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
      if (isReading) {
        Object.assign(facts, { value: row.value as number, source: "auto", days: 1, meter_temp_bad: flagged.has(row.meterId) });
      }
      Object.assign(facts, row.facts ?? {});
      for (const name of extra) {
        const v = columns[name]?.[i];
        facts[name] = v === undefined || Number.isNaN(v) ? null : v;
      }
      const d = isReading ? rules.decide(facts) : rules.decideSensor(facts);
      if (isReading && d.tempBad !== undefined) flagged.add(row.meterId);
      const reasons = d.reasons === "" ? [] : d.reasons.split("|");
      out[i] = {
        meterId: row.meterId, time: row.time, row: isReading ? "reading" : "sensor", billable: isReading && reasons.length === 0,
        reasons, tempBad: d.tempBad, alerts: d.alerts.map((a) => ({ ...a })),
      };
    }
    return out;
  };

  return {
    registry,
    tracker,
    logs,
    validate,
    facts: (columns, length) => registry.runFacts(columns, length),
    feed,
    decide,
    setup: () => registry.setup({ log }),
    teardown: () => registry.teardown({ log }),
  };
}

/** Epoch milliseconds of a reading's time; NaN when it is not a time. */
export function timeOf(time: string | number): number {
  if (typeof time === "number") return Number.isFinite(time) ? time : Number.NaN;
  if (typeof time !== "string") return Number.NaN;
  // A date-time without an offset is UTC (Date.parse would take it as local time).
  const text = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(time) ? `${time}Z` : time;
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(text)) return Number.NaN;
  return Date.parse(text);
}
