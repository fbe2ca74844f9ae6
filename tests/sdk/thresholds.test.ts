// ThresholdTracker: fire and near miss for thresholds with durations (exactly at the limit,
// exactly 30 minutes vs more, to the millisecond; interruptions, one alert per episode, across
// snapshot / restore and from a snapshot saved before the duration was strict, forMinutes 0),
// late readings, NaN, batches in any order, and the snapshot's checks.
import { describe, expect, it } from "vitest";
import { ThresholdStateError, ThresholdTracker, timeOrder } from "../../sdk/index.js";
import type { Alert, TrackedThreshold } from "../../sdk/index.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 30, 6);
const warm: TrackedThreshold = { rule: "cold-chain/too-warm", channel: "temp", above: 8, forMinutes: 30, severity: "critical", message: "above 8 °C for 30 min" };
const frozen: TrackedThreshold = { rule: "cold-chain/frozen", channel: "temp", below: 0, severity: "warning", message: "below 0 °C" };
const wet: TrackedThreshold = { rule: "climate/wet", channel: "rh", above: 90, forMinutes: 10, severity: "info", message: "wet" };

/** Feeds `[minute, value]` pairs of meter M-1's temp; returns the minutes that alerted, by rule. */
function run(tracker: ThresholdTracker, points: ReadonlyArray<readonly [number, number]>, meterId = "M-1"): string[] {
  const fired: string[] = [];
  for (const [minute, value] of points) {
    const r = tracker.observe(meterId, "temp", T0 + minute * MIN, value);
    if (r === "late") fired.push(`late@${minute}`);
    else for (const a of r) fired.push(`${a.rule}@${minute}`);
  }
  return fired;
}

describe("ThresholdTracker", () => {
  it("keeps an episode going inside the hysteresis band, and ends it beyond the band", () => {
    const banded: TrackedThreshold = { ...warm, hysteresis: 0.5 };
    // 8.2 starts it; 7.6, 8.0 and 7.8 are within 0.5 of the limit: the episode goes on. Its alert
    // waits for a reading that still meets the limit (the pulse audit: a deadband value raised it).
    expect(run(new ThresholdTracker([banded]), [[0, 8.2], [10, 7.6], [20, 8.0], [30, 7.8], [31, 7.7]])).toEqual([]);
    expect(run(new ThresholdTracker([banded]), [[0, 8.2], [10, 7.6], [20, 8.0], [30, 7.8], [31, 7.7], [35, 8.1], [36, 8.4]])).toEqual(["cold-chain/too-warm@35"]);
    // 7.5 is exactly at the band's edge: not inside it (strict), so the episode ends there.
    expect(run(new ThresholdTracker([banded]), [[0, 8.2], [10, 7.5], [20, 8.3], [40, 8.3]])).toEqual([]);
    // The band never starts an episode.
    expect(run(new ThresholdTracker([banded]), [[0, 7.9], [40, 7.9]])).toEqual([]);
    // Without hysteresis the same hovering never lasts 30 minutes.
    expect(run(new ThresholdTracker([warm]), [[0, 8.2], [10, 7.6], [20, 8.0], [30, 7.8], [31, 7.7]])).toEqual([]);
  });

  it("watches only the meters a threshold's `meters` accepts, the others on the same channel as before", () => {
    const reefers: TrackedThreshold = { ...warm, meters: (id) => id.startsWith("REEFER-") };
    const tracker = new ThresholdTracker([reefers, frozen]);
    const points = [[0, 9], [30, 9], [31, 9], [40, -1]] as const;
    expect(run(tracker, points, "REEFER-1")).toEqual(["cold-chain/too-warm@31", "cold-chain/frozen@40"]);
    expect(run(tracker, points, "PUMP-1")).toEqual(["cold-chain/frozen@40"]);
    // The scope survives a snapshot: the restored tracker asks its filter again per meter.
    const restored = new ThresholdTracker([reefers, frozen]);
    restored.restore(tracker.snapshot());
    expect(run(restored, [[50, 9], [80, 9], [81, 9]], "PUMP-1")).toEqual([]);
    expect(run(restored, [[50, 9], [80, 9], [81, 9]], "REEFER-1")).toEqual(["cold-chain/too-warm@81"]);
  });

  it("fires once the condition has held for more than forMinutes, with the alert's fields", () => {
    const t = new ThresholdTracker([warm]);
    expect(t.observe("M-1", "temp", T0, 8.5)).toEqual([]);
    expect(t.observe("M-1", "temp", T0 + 30 * MIN, 9)).toEqual([]);
    expect(t.observe("M-1", "temp", T0 + 30 * MIN + 1, 9)).toEqual([
      { meterId: "M-1", channel: "temp", timeMs: T0 + 30 * MIN + 1, value: 9, sinceMs: T0, severity: "critical", rule: "cold-chain/too-warm", message: "above 8 °C for 30 min" },
    ] satisfies Alert[]);
  });

  it("exactly 30 minutes is a near miss (strict, as \"more than 30 minutes\" reads), 30 min + 1 ms fires", () => {
    expect(run(new ThresholdTracker([warm]), [[0, 9], [29, 9], [30, 9]])).toEqual([]);
    expect(run(new ThresholdTracker([warm]), [[0, 9], [29, 9], [30, 9], [31, 9]])).toEqual(["cold-chain/too-warm@31"]);
    const almost = new ThresholdTracker([warm]);
    expect(almost.observe("M-1", "temp", T0, 9)).toEqual([]);
    expect(almost.observe("M-1", "temp", T0 + 30 * MIN - 1, 9)).toEqual([]);
    expect(almost.observe("M-1", "temp", T0 + 30 * MIN, 9)).toEqual([]);
    expect(almost.observe("M-1", "temp", T0 + 30 * MIN + 1, 9)).toEqual([expect.objectContaining({ timeMs: T0 + 30 * MIN + 1, sinceMs: T0 })]);
    // Two readings 30 minutes apart, as in "9 °C at 00:00 and at 00:30": no alert.
    expect(run(new ThresholdTracker([warm]), [[0, 9], [30, 9]])).toEqual([]);
    // A fractional duration is strict too: 30 s, then 30 s + 1 ms.
    const half = new ThresholdTracker([{ ...warm, forMinutes: 0.5 }]);
    expect(half.observe("M-1", "temp", T0, 9)).toEqual([]);
    expect(half.observe("M-1", "temp", T0 + 30_000, 9)).toEqual([]);
    expect(half.observe("M-1", "temp", T0 + 30_001, 9)).toHaveLength(1);
  });

  it("a value exactly at the limit does not meet the condition (strict), and ends an episode", () => {
    expect(run(new ThresholdTracker([warm]), [[0, 8], [30, 8], [90, 8]])).toEqual([]);
    expect(run(new ThresholdTracker([warm]), [[0, 9], [20, 8], [30, 9], [59, 9], [60, 9], [61, 9]])).toEqual(["cold-chain/too-warm@61"]);
    expect(run(new ThresholdTracker([frozen]), [[0, 0], [1, -0], [2, -0.01]])).toEqual(["cold-chain/frozen@2"]);
  });

  it("an interruption resets the episode", () => {
    // The second episode begins at 16: exactly 30 minutes at 46, more at 47.
    expect(run(new ThresholdTracker([warm]), [[0, 9], [15, 7.9], [16, 9], [45, 9], [46, 9], [47, 9]])).toEqual(["cold-chain/too-warm@47"]);
  });

  it("one alert per episode; a new episode after the condition clears can alert again", () => {
    const t = new ThresholdTracker([warm]);
    expect(run(t, [[0, 9], [30, 9], [31, 9], [60, 9], [600, 12]])).toEqual(["cold-chain/too-warm@31"]);
    expect(run(t, [[601, 5], [602, 9], [631, 9], [632, 9], [633, 9], [700, 9]])).toEqual(["cold-chain/too-warm@633"]);
  });

  it("forMinutes 0 (or absent) alerts at the first reading meeting the condition, once per episode", () => {
    const t = new ThresholdTracker([frozen, { ...warm, rule: "x/now", forMinutes: 0 }]);
    expect(run(t, [[0, -1], [1, -2], [2, 1], [3, -1], [4, 9], [5, 9]])).toEqual(["cold-chain/frozen@0", "cold-chain/frozen@3", "x/now@4"]);
  });

  it("the duration spans a gap between readings", () => {
    expect(run(new ThresholdTracker([warm]), [[0, 9], [240, 9]])).toEqual(["cold-chain/too-warm@240"]);
  });

  it("keeps state per meter and per threshold; other channels and unwatched channels are separate", () => {
    const t = new ThresholdTracker([warm, frozen, wet]);
    expect(run(t, [[0, 9]], "A")).toEqual([]);
    expect(run(t, [[10, 9]], "B")).toEqual([]);
    expect(t.observe("A", "rh", T0, 95)).toEqual([]);
    expect(t.observe("A", "co2", T0, 5000)).toEqual([]);
    expect(t.watches("co2")).toBe(false);
    expect(run(t, [[30, 9]], "A")).toEqual([]);
    expect(run(t, [[31, 9]], "A")).toEqual(["cold-chain/too-warm@31"]);
    expect(run(t, [[31, 9]], "B")).toEqual([]);
    expect(run(t, [[40, 9]], "B")).toEqual([]);
    expect(run(t, [[41, 9]], "B")).toEqual(["cold-chain/too-warm@41"]);
    expect(t.observe("A", "rh", T0 + 10 * MIN, 95)).toEqual([]);
    expect(t.observe("A", "rh", T0 + 10 * MIN + 1, 95)).toEqual([expect.objectContaining({ rule: "climate/wet", meterId: "A" })]);
  });

  it("a reading older than the last one of its meter and channel is late and changes nothing; equal times are in order", () => {
    const t = new ThresholdTracker([warm, wet]);
    expect(run(t, [[0, 9], [20, 9], [10, 5], [20, 9], [30, 9], [31, 9]])).toEqual(["late@10", "cold-chain/too-warm@31"]);
    expect(t.observe("M-1", "rh", T0, 50)).toEqual([]); // another channel keeps its own time
    expect(t.observe("M-2", "temp", T0, 50)).toEqual([]);
  });

  it("NaN is no observation: it neither meets the condition nor ends an episode, and is never late", () => {
    const t = new ThresholdTracker([warm]);
    expect(run(t, [[0, 9], [10, Number.NaN], [30, 9], [31, 9]])).toEqual(["cold-chain/too-warm@31"]);
    expect(run(t, [[5, Number.NaN]])).toEqual([]);
    expect(run(new ThresholdTracker([frozen]), [[0, Number.NaN]])).toEqual([]);
  });

  it("refuses a time that is not finite, and bad thresholds", () => {
    const t = new ThresholdTracker([warm]);
    expect(() => t.observe("M-1", "temp", Number.NaN, 9)).toThrow(RangeError);
    expect(() => new ThresholdTracker([warm, warm])).toThrow(/given twice/);
    expect(() => new ThresholdTracker([{ ...warm, above: undefined }])).toThrow(/above or below/);
  });
});

describe("ThresholdTracker snapshot / restore", () => {
  it("an episode spans batches and runs: 29 minutes before the snapshot, exactly 30 and then more after", () => {
    const first = new ThresholdTracker([warm, frozen]);
    expect(run(first, [[0, 9], [29, 9]])).toEqual([]);
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    const second = new ThresholdTracker([warm, frozen]);
    second.restore(saved);
    expect(run(second, [[30, 9]])).toEqual([]);
    expect(run(second, [[31, 9]])).toEqual(["cold-chain/too-warm@31"]);
  });

  it("restores an episode saved before the duration was strict (same format) and judges it strictly", () => {
    const rule = "cold-chain/too-warm";
    // Open, not alerted (29 minutes in): alerts once more than 30 minutes have passed.
    const open = new ThresholdTracker([warm]);
    open.restore({ version: 1, states: [{ meterId: "M-1", channel: "temp", lastMs: T0 + 29 * MIN, episodes: [{ rule, sinceMs: T0, alerted: false }] }] });
    expect(run(open, [[30, 9], [31, 9], [60, 9]])).toEqual(["cold-chain/too-warm@31"]);
    // Alerted at exactly 30 minutes by the old rule: stays alerted, no second alert.
    const alerted = new ThresholdTracker([warm]);
    alerted.restore({ version: 1, states: [{ meterId: "M-1", channel: "temp", lastMs: T0 + 30 * MIN, episodes: [{ rule, sinceMs: T0, alerted: true }] }] });
    expect(run(alerted, [[31, 9], [90, 9]])).toEqual([]);
    expect(alerted.snapshot().states).toEqual([{ meterId: "M-1", channel: "temp", lastMs: T0 + 90 * MIN, episodes: [{ rule, sinceMs: T0, alerted: true }] }]);
  });

  it("an alerted episode stays alerted, late detection survives, and a near miss stays a near miss", () => {
    const first = new ThresholdTracker([warm]);
    expect(run(first, [[0, 9], [30, 9], [31, 9]])).toEqual(["cold-chain/too-warm@31"]);
    const second = new ThresholdTracker([warm]);
    second.restore(first.snapshot());
    expect(run(second, [[20, 9], [45, 9], [50, 5], [51, 9], [81, 9], [82, 9]])).toEqual(["late@20", "cold-chain/too-warm@82"]);

    const interrupted = new ThresholdTracker([warm]);
    run(interrupted, [[0, 9], [15, 5]]);
    const third = new ThresholdTracker([warm]);
    third.restore(interrupted.snapshot());
    expect(run(third, [[30, 9], [60, 9]])).toEqual([]);
  });

  it("the snapshot is plain data: last times and open episodes only", () => {
    const t = new ThresholdTracker([warm, frozen]);
    run(t, [[0, 9], [31, 9]], "A");
    run(t, [[5, 3]], "B");
    run(t, [[0, 9], [30, 9]], "C");
    expect(t.snapshot()).toEqual({
      version: 1,
      states: [
        { meterId: "A", channel: "temp", lastMs: T0 + 31 * MIN, episodes: [{ rule: "cold-chain/too-warm", sinceMs: T0, alerted: true }] },
        { meterId: "B", channel: "temp", lastMs: T0 + 5 * MIN, episodes: [] },
        // Exactly 30 minutes: still open, not alerted.
        { meterId: "C", channel: "temp", lastMs: T0 + 30 * MIN, episodes: [{ rule: "cold-chain/too-warm", sinceMs: T0, alerted: false }] },
      ],
    });
  });

  it("restore replaces the state and drops rules and channels that are gone", () => {
    const t = new ThresholdTracker([warm, wet]);
    run(t, [[0, 9]]);
    t.observe("M-1", "rh", T0, 95);
    const other = new ThresholdTracker([{ ...warm, rule: "renamed" }]);
    other.restore(t.snapshot());
    expect(other.snapshot().states).toEqual([{ meterId: "M-1", channel: "temp", lastMs: T0, episodes: [] }]);
    t.restore({ version: 1, states: [] });
    expect(run(t, [[1, 9], [30, 9], [31, 9], [32, 9]])).toEqual(["cold-chain/too-warm@32"]);
  });

  it("refuses what is not a snapshot with MF_ERR_THRESHOLD_STATE, changing nothing", () => {
    const t = new ThresholdTracker([warm]);
    run(t, [[0, 9]]);
    const before = t.snapshot();
    const bad = [null, 1, {}, { version: 2, states: [] }, { version: 1, states: {} }, { version: 1, states: [{ meterId: "a", channel: "temp", lastMs: "x", episodes: [] }] }];
    for (const s of bad) {
      expect(() => t.restore(s)).toThrow(ThresholdStateError);
      try {
        t.restore(s);
      } catch (error) {
        expect((error as ThresholdStateError).code).toBe("MF_ERR_THRESHOLD_STATE");
      }
    }
    expect(t.snapshot()).toEqual(before);
  });
});

describe("observeBatch and timeOrder", () => {
  it("timeOrder groups by meter in order of appearance, then time, ties in batch order, NaN last", () => {
    expect([...timeOrder(["a", "b", "a"], [300, 100, 200], 3)]).toEqual([2, 0, 1]);
    expect([...timeOrder(["a", "a", "a", "a"], [5, Number.NaN, 5, 1], 4)]).toEqual([3, 0, 2, 1]);
  });

  it("a batch logged offline and uploaded out of order is judged in time order per meter", () => {
    const t = new ThresholdTracker([warm, wet]);
    // T-1 in time order: temp above 8 from 0 (30 exactly: not yet; 31 alerts); rh above 90 at 0,
    // below at 10 and 20, above again from 30 (40 exactly 10 minutes: not yet; 41 alerts).
    const minutes = [41, 0, 30, 10, 20, 5, 31, 40];
    const result = t.observeBatch({
      length: 8,
      meterIds: ["T-1", "T-1", "T-1", "T-1", "T-1", "T-2", "T-1", "T-1"],
      timeMs: minutes.map((m) => T0 + m * MIN),
      channels: { temp: [9, 9, 9, 9, 9, 20, 9, 9], rh: [95, 95, 95, 50, 50, Number.NaN, 95, 95], ignored: [1, 1, 1, 1, 1, 1, 1, 1] },
    });
    expect(result.alerts.map((a) => [a.index, a.rule, (a.timeMs - T0) / MIN])).toEqual([
      [6, "cold-chain/too-warm", 31],
      [0, "climate/wet", 41],
    ]);
    expect(result.late).toEqual([]);
    const again = t.observeBatch({ length: 1, meterIds: ["T-1"], timeMs: [T0], channels: { temp: [1] } });
    expect(again.late).toEqual([{ index: 0, meterId: "T-1", channel: "temp", timeMs: T0 }]);
  });
  it("keeps episodes a meter at a time: snapshotOf one meter, merge it into another tracker", () => {
    const a = new ThresholdTracker([warm]);
    run(a, [[0, 9]], "M-1");
    run(a, [[0, 9], [40, 9]], "M-2");
    expect(a.snapshotOf(["M-1"]).states.map((e) => e.meterId)).toEqual(["M-1"]);
    expect(a.snapshotOf(["nobody"]).states).toEqual([]);
    // A tracker that knows M-3 (its own episode) merges M-1's: M-1's excursion goes on there, M-3's too.
    const b = new ThresholdTracker([warm]);
    run(b, [[0, 9]], "M-3");
    b.merge(a.snapshotOf(["M-1"]));
    expect(run(b, [[30, 9], [31, 9]], "M-1")).toEqual(["cold-chain/too-warm@31"]);
    expect(run(b, [[30, 9], [31, 9]], "M-3")).toEqual(["cold-chain/too-warm@31"]);
    // Merging replaces the named meter's state only: M-2 alerted already in `a`, so no second alert.
    b.merge(a.snapshotOf(["M-2"]));
    expect(run(b, [[50, 9]], "M-2")).toEqual([]);
    expect(() => b.merge({ version: 2 })).toThrow(ThresholdStateError);
  });
});
