// The cold-chain profile through the SDK's test engine: a temperature above 8 °C alerts once it
// has lasted more than 30 minutes, not at exactly 30; state spans feeds; a day logged offline and
// uploaded at once, in any order, is judged in time order.
import { describe, expect, it } from "vitest";
import coldChain from "../../../plugins/cold-chain/index.js";
import environment from "../../../plugins/environment/index.js";
import { createTestEngine } from "../../../sdk/testing/index.js";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 30, 6);

/** One reading of logger `id` at minute `m` after T0 (06:00 UTC). */
const at = (m: number, temperature: number, id = "R-1") => ({ meterId: id, time: T0 + m * MINUTE, channels: { temperature } });

/** Readings every minute from `from` to `to` (inclusive) at one temperature. */
const minutes = (from: number, to: number, temperature: number, id = "R-1") =>
  Array.from({ length: to - from + 1 }, (_, i) => at(from + i, temperature, id));

const engine = () => createTestEngine({ plugins: [environment, coldChain] });
const rule = <A extends { rule: string }>(alerts: readonly A[], name: string): A[] => alerts.filter((a) => a.rule === `meterflow-cold-chain/${name}`);

describe("cold-chain too-warm: above 8 °C for more than 30 minutes", () => {
  it("does not fire at exactly 30 minutes, fires once just after", () => {
    const e = engine();
    const first = e.feed(minutes(0, 30, 8.4));
    expect(first.rejected).toEqual([]);
    expect(rule(first.alerts, "too-warm")).toEqual([]);
    const second = e.feed([{ ...at(30, 8.4), time: T0 + 30 * MINUTE + 1 }]);
    expect(rule(second.alerts, "too-warm")).toEqual([
      expect.objectContaining({
        meterId: "R-1", channel: "temperature", timeMs: T0 + 30 * MINUTE + 1, sinceMs: T0, value: 8.4,
        severity: "critical", rule: "meterflow-cold-chain/too-warm", message: "cold chain: temperature above 8 °C for 30 min",
      }),
    ]);
    // One alert per episode.
    expect(rule(e.feed(minutes(31, 90, 9)).alerts, "too-warm")).toEqual([]);
  });

  it("counts from the first reading above 8 °C, wherever the readings fall", () => {
    const e = engine();
    // Readings every 10 minutes: above from minute 10, so at minute 40 exactly 30 minutes have
    // passed (not more), and the next reading, at 50, alerts.
    const alerts = e.feed([at(0, 6), at(10, 9), at(20, 9), at(30, 9), at(39, 9), at(40, 9), at(50, 9)]).alerts;
    expect(rule(alerts, "too-warm").map((a) => a.timeMs)).toEqual([T0 + 50 * MINUTE]);
  });

  it("9 °C at 00:00 and at 00:30 is not more than 30 minutes; a reading after 00:30 is", () => {
    const e = engine();
    const midnight = Date.UTC(2026, 10, 30);
    const reading = (time: number) => ({ meterId: "R-9", time, channels: { temperature: 9 } });
    expect(rule(e.feed([reading(midnight), reading(midnight + 30 * MINUTE)]).alerts, "too-warm")).toEqual([]);
    expect(rule(e.feed([reading(midnight + 30 * MINUTE + 1)]).alerts, "too-warm").map((a) => a.sinceMs)).toEqual([midnight]);
  });

  it("never fires at exactly 8 °C", () => {
    expect(rule(engine().feed(minutes(0, 120, 8)).alerts, "too-warm")).toEqual([]);
  });

  it("starts over when the temperature drops back to 8 °C or below", () => {
    const e = engine();
    const alerts = e.feed([...minutes(0, 29, 8.5), at(30, 8), ...minutes(31, 61, 8.5)]).alerts;
    expect(rule(alerts, "too-warm")).toEqual([]);
    // The second episode began at minute 31: exactly 30 minutes at 61, more at 62.
    expect(rule(e.feed([at(62, 8.5)]).alerts, "too-warm")).toHaveLength(1);
  });

  it("keeps its state across feeds (batches)", () => {
    const e = engine();
    expect(rule(e.feed(minutes(0, 20, 10)).alerts, "too-warm")).toEqual([]);
    expect(rule(e.feed(minutes(21, 30, 10)).alerts, "too-warm")).toEqual([]);
    expect(rule(e.feed(minutes(31, 35, 10)).alerts, "too-warm").map((a) => a.timeMs)).toEqual([T0 + 31 * MINUTE]);
  });

  it("judges a day logged offline and uploaded at once in time order", () => {
    // Every 5 minutes for a day; 10:00 to 10:45 above 8 °C; uploaded in reverse order. 10:30 is
    // exactly 30 minutes, 10:35 more.
    const day = Array.from({ length: 288 }, (_, i) => at(i * 5 - 360, i * 5 - 360 >= 240 && i * 5 - 360 <= 285 ? 11 : 5));
    const { alerts, rejected, late } = engine().feed(day.reverse());
    expect(rejected).toEqual([]);
    expect(late).toEqual([]);
    expect(rule(alerts, "too-warm").map((a) => a.timeMs)).toEqual([T0 + 275 * MINUTE]);
  });

  it("tracks each logger on its own", () => {
    const alerts = engine().feed([...minutes(0, 31, 9, "R-1"), ...minutes(0, 30, 9, "R-2")]).alerts;
    expect(rule(alerts, "too-warm").map((a) => a.meterId)).toEqual(["R-1"]);
  });
});

describe("cold-chain too-cold and freezing", () => {
  it("too-cold: below 2 °C for more than 30 minutes", () => {
    const e = engine();
    expect(rule(e.feed(minutes(0, 30, 1.5)).alerts, "too-cold")).toEqual([]);
    expect(rule(e.feed([at(31, 1.5)]).alerts, "too-cold")).toHaveLength(1);
  });

  it("freezing: below 0 °C for more than 10 minutes, before too-cold's 30", () => {
    const alerts = engine().feed(minutes(0, 31, -1)).alerts;
    expect(rule(alerts, "freezing").map((a) => a.timeMs)).toEqual([T0 + 11 * MINUTE]);
    expect(rule(alerts, "too-cold").map((a) => a.timeMs)).toEqual([T0 + 31 * MINUTE]);
  });

  it("rejects a temperature outside the environment plugin's range instead of judging it", () => {
    const { alerts, rejected } = engine().feed([at(0, 200), at(40, -300)]);
    expect(alerts).toEqual([]);
    expect(rejected.map((r) => r.reason)).toEqual(["out_of_range", "out_of_range"]);
  });
});
