// test/vibration.test.ts: the conformance suite every meterflow plugin passes, and this
// plugin's own behaviour through the SDK's test engine.
import { describe, expect, it } from "vitest";
import { createTestEngine, describeConformance } from "meterflow-engine/sdk/testing";
import vibration from "../src/index.js";

describeConformance(vibration);

const t0 = Date.parse("2026-11-30T06:00:00Z");
const reading = (minute: number, value: number) => ({ meterId: "PUMP-7", time: t0 + minute * 60_000, channels: { vibration: value } });

describe("vibration", () => {
  it("accepts 0 to 100 mm/s and rejects values outside", () => {
    const engine = createTestEngine({ plugins: [vibration] });
    expect(engine.validate("vibration", 100)).toBe("ok");
    expect(engine.validate("vibration", -0.1)).toBe("out_of_range");
    expect(engine.feed([reading(0, 120)]).rejected).toEqual([expect.objectContaining({ channel: "vibration", reason: "out_of_range" })]);
  });

  it("alerts once after more than 10 minutes above 7.1 mm/s", () => {
    const engine = createTestEngine({ plugins: [vibration] });
    expect(engine.feed([reading(0, 7.4), reading(9, 7.6), reading(10, 7.5)]).alerts).toEqual([]);
    const { alerts } = engine.feed([reading(11, 7.5), reading(15, 8)]);
    expect(alerts).toEqual([expect.objectContaining({ meterId: "PUMP-7", rule: "@acme/meterflow-vibration/zone-d", severity: "critical" })]);
  });

  it("7.1 mm/s is not above the limit, and a dip starts the 10 minutes again", () => {
    const engine = createTestEngine({ plugins: [vibration] });
    expect(engine.feed([reading(0, 7.1), reading(20, 7.1)]).alerts).toEqual([]);
    expect(engine.feed([reading(30, 9), reading(35, 5), reading(36, 9), reading(46, 9)]).alerts).toEqual([]);
    expect(engine.feed([reading(47, 9)]).alerts).toHaveLength(1);
  });

  it("warns in zone C with the rule, on a sensor row as on a reading row", () => {
    const engine = createTestEngine({ plugins: [vibration] });
    const [sensor, reading, calm] = engine.decide([
      { meterId: "PUMP-7", time: "2026-11-30T06:00:00Z", channels: { vibration: 5 } },
      { meterId: "PUMP-8", time: "2026-11-30T06:00:00Z", value: 1200, channels: { vibration: 5.5 } },
      { meterId: "PUMP-9", time: "2026-11-30T06:00:00Z", channels: { vibration: 2 } },
    ]);
    const zoneC = { rule: "@acme/meterflow-vibration/vibration-zone-c", severity: "warning", channel: "vibration", message: "vibration in ISO 10816 zone C" };
    expect(sensor).toMatchObject({ row: "sensor", alerts: [zoneC] });
    expect(reading).toMatchObject({ row: "reading", billable: true, alerts: [zoneC] });
    expect(calm?.alerts).toEqual([]);
  });

  it("gives the ISO 10816 zone, NaN without a reading", () => {
    const engine = createTestEngine({ plugins: [vibration] });
    const columns = engine.facts({ vibration: Float64Array.of(0.9, 2.3, 3, 6, 7.1, 11, Number.NaN) }, 7);
    expect(Array.from(columns.vibration_zone ?? [])).toEqual([1, 1, 2, 3, 3, 4, Number.NaN]);
  });
});
