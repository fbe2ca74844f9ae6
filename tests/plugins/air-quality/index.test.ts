import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/air-quality/index.js";
import { describeDefinitions, thresholdRows } from "../definitions.js";

describeDefinitions(plugin);

describe("air-quality channels and thresholds", () => {
  it("has the documented channels and units", () => {
    expect(Object.fromEntries(plugin.sensors.map((s) => [s.name, s.unit]))).toEqual({ co: "ppm", co2: "ppm", ch4: "%LEL" });
  });

  it("has the documented thresholds", () => {
    expect(thresholdRows(plugin)).toEqual([
      ["co-8h", "co", 20, 480, "warning"],
      ["co-1h", "co", 30, 60, "warning"],
      ["co-15min", "co", 100, 15, "critical"],
      ["co2-ventilation", "co2", 1000, 30, "warning"],
      ["co2-limit", "co2", 5000, 15, "critical"],
      ["ch4-alarm-1", "ch4", 10, 0, "warning"],
      ["ch4-alarm-2", "ch4", 20, 0, "critical"],
    ]);
  });
});
