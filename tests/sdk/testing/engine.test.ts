// createTestEngine: channel validation, facts, readings fed in any order per meter with
// rejections and late values, thresholds with durations across feeds, hooks.
import { describe, expect, it } from "vitest";
import { PluginError } from "../../../sdk/index.js";
import { createTestEngine, nextDown, nextUp } from "../../../sdk/testing/index.js";
import { climate, coldChain, plugin } from "../fixtures.js";

const at = (minute: number) => Date.UTC(2026, 10, 30, 6, minute);

describe("createTestEngine", () => {
  it("registers dependencies first, whatever the order given, and refuses what cannot register", () => {
    const engine = createTestEngine({ plugins: [coldChain, climate] });
    expect(engine.registry.plugins.map((p) => p.name)).toEqual(["test-climate", "test-cold-chain"]);
    expect(() => createTestEngine({ plugins: [coldChain] })).toThrow(PluginError);
  });

  it("validate: inclusive ranges, NaN out of range, unknown channels", () => {
    const engine = createTestEngine({ plugins: [climate] });
    expect(["temp", "temp", "temp", "rh"].map((c, i) => engine.validate(c, [-40, 85, 0, 100][i] as number))).toEqual(["ok", "ok", "ok", "ok"]);
    expect([nextDown(-40), nextUp(85), Number.NaN].map((v) => engine.validate("temp", v))).toEqual(["out_of_range", "out_of_range", "out_of_range"]);
    expect(engine.validate("co2", 400)).toBe("unknown_channel");
  });

  it("facts runs the registry's facts", () => {
    const engine = createTestEngine({ plugins: [climate] });
    const columns = engine.facts({ temp: Float64Array.of(20), rh: Float64Array.of(50) }, 1);
    expect([...(columns.dew as Float64Array)]).toEqual([10]);
  });

  it("feed: each meter in time order, out-of-range and unknown values rejected with a reason, NaN skipped", () => {
    const engine = createTestEngine({ plugins: [climate, coldChain] });
    const result = engine.feed([
      { meterId: "A", time: "2026-11-30T06:31:00Z", channels: { temp: 9 } },
      { meterId: "A", time: "2026-11-30T06:30:00Z", channels: { temp: 9 } },
      { meterId: "B", time: at(0), channels: { temp: 200, co2: 5 } },
      { meterId: "A", time: "2026-11-30T06:00:00", channels: { temp: 9, rh: Number.NaN } },
      { meterId: "A", time: "yesterday", channels: { temp: 9 } },
    ]);
    // In time order: 06:00 begins the episode, 06:30 is exactly 30 minutes (not more), 06:31 alerts.
    expect(result.alerts.map((a) => [a.meterId, a.rule, a.timeMs])).toEqual([["A", "test-cold-chain/too-warm", at(31)]]);
    // Meters in order of appearance, a time that cannot be read last.
    expect(result.rejected).toEqual([
      { meterId: "A", time: "yesterday", channel: "temp", value: 9, reason: "bad_time" },
      { meterId: "B", time: at(0), channel: "temp", value: 200, reason: "out_of_range" },
      { meterId: "B", time: at(0), channel: "co2", value: 5, reason: "unknown_channel" },
    ]);
    expect(result.late).toEqual([]);
  });

  it("feed: thresholds keep their state across feeds; an older value than one seen is late", () => {
    const engine = createTestEngine({ plugins: [climate, coldChain] });
    expect(engine.feed([{ meterId: "A", time: at(0), channels: { temp: 9 } }]).alerts).toEqual([]);
    expect(engine.feed([{ meterId: "A", time: at(29), channels: { temp: 9 } }]).alerts).toEqual([]);
    const late = engine.feed([{ meterId: "A", time: at(10), channels: { temp: 2 } }, { meterId: "A", time: at(30), channels: { temp: 9 } }]);
    expect(late.late).toEqual([{ meterId: "A", time: at(10), channel: "temp", value: 2 }]);
    // The late 2 °C did not end the episode; at exactly 30 minutes it has not yet lasted more than 30.
    expect(late.alerts).toEqual([]);
    expect(engine.feed([{ meterId: "A", time: at(30) + 1, channels: { temp: 9 } }]).alerts.map((a) => a.rule)).toEqual(["test-cold-chain/too-warm"]);
  });

  it("setup and teardown run the hooks, collecting their logs", async () => {
    const engine = createTestEngine({
      plugins: [plugin({ hooks: { async setup(c: { log(m: string): void }) { c.log("up"); }, async teardown(c: { log(m: string): void }) { c.log("down"); } } })],
    });
    await engine.setup();
    await engine.teardown();
    expect(engine.logs).toEqual(["[plugin p] up", "[plugin p] down"]);
  });
});
