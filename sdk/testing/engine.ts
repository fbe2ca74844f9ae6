// A small engine for testing plugins: the SDK's registry and threshold tracker with the
// engine's channel rules, no files, database or threads. What it does as the engine does:
// plugins register dependencies first; a channel value outside its range (inclusive) is rejected
// `out_of_range`, a channel no plugin defines `unknown_channel`; each meter's readings are judged
// in time order (sorted per feed, and across feeds a value older than the last one seen for that
// meter and channel is `late`); thresholds keep their state across feeds.
import type { PluginDescriptor } from "../plugin.js";
import { PluginRegistry } from "../registry.js";
import type { Alert } from "../thresholds.js";
import { ThresholdTracker } from "../thresholds.js";
import { timeOrder } from "../time-order.js";

/** Options of createTestEngine. */
export interface TestEngineOptions {
  /** The plugins with their dependencies, in any order. */
  readonly plugins: readonly PluginDescriptor[];
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
 *   { meterId: "P-1", time: "2026-11-30T06:10:00Z", channels: { vibration: 7.6 } },
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

  return {
    registry,
    tracker,
    logs,
    validate,
    facts: (columns, length) => registry.runFacts(columns, length),
    feed,
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
