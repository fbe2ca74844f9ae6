// test/soil-moisture.test.ts: conformance, the dry-soil threshold with its deadband, and the
// plant-available water fact.
import { describe, expect, it } from "vitest";
import { createTestEngine, describeConformance } from "meterflow-engine/sdk/testing";
import soil from "../src/index.js";

describeConformance(soil);

const t0 = Date.parse("2026-07-14T00:00:00Z");
const probe = (minute: number, value: number) => ({ meterId: "FIELD-3", time: t0 + minute * 60_000, channels: { soil_moisture: value } });

describe("soil moisture", () => {
  it("alerts once when the soil stays below 15 % for more than 2 hours, through a wobble within the deadband", () => {
    const engine = createTestEngine({ plugins: [soil] });
    expect(engine.feed([probe(0, 14.5), probe(60, 15.8), probe(120, 14)]).alerts).toEqual([]);
    const { alerts } = engine.feed([probe(121, 13.9), probe(180, 13)]);
    expect(alerts).toEqual([expect.objectContaining({ meterId: "FIELD-3", rule: "@acme/meterflow-soil-moisture/dry", severity: "warning" })]);
  });

  it("starts the 2 hours again when the soil gets wetter than the deadband", () => {
    const engine = createTestEngine({ plugins: [soil] });
    expect(engine.feed([probe(0, 14), probe(60, 16.5), probe(100, 14), probe(220, 14)]).alerts).toEqual([]);
    expect(engine.feed([probe(221, 14)]).alerts).toHaveLength(1);
  });

  it("alerts at the wilting point on the probes' sensor rows, not on reading rows", () => {
    const engine = createTestEngine({ plugins: [soil] });
    const [probeRow, meterRow, moist] = engine.decide([
      { meterId: "FIELD-3", time: "2026-07-14T06:00:00Z", channels: { soil_moisture: 11.5 } },
      { meterId: "WATER-3", time: "2026-07-14T06:00:00Z", value: 310, channels: { soil_moisture: 11.5 } },
      { meterId: "FIELD-4", time: "2026-07-14T06:00:00Z", channels: { soil_moisture: 24 } },
    ]);
    expect(probeRow).toMatchObject({
      row: "sensor",
      alerts: [{ rule: "@acme/meterflow-soil-moisture/soil-wilting", severity: "critical", channel: "soil_moisture", message: "soil at the wilting point" }],
    });
    expect(meterRow).toMatchObject({ row: "reading", billable: true, alerts: [] });
    expect(moist?.alerts).toEqual([]);
  });

  it("gives the plant-available water, NaN without a reading", () => {
    const engine = createTestEngine({ plugins: [soil] });
    const columns = engine.facts({ soil_moisture: Float64Array.of(8, 12, 17, 22, 32, 45, Number.NaN) }, 7);
    expect(Array.from(columns.soil_available_water ?? [])).toEqual([0, 0, 0.25, 0.5, 1, 1, Number.NaN]);
  });
});
