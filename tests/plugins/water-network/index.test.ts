import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/water-network/index.js";
import { describeDefinitions, thresholdRows } from "../definitions.js";

describeDefinitions(plugin);

describe("water-network channels and thresholds", () => {
  it("has the documented channels and units", () => {
    expect(Object.fromEntries(plugin.sensors.map((s) => [s.name, s.unit]))).toEqual({ network_pressure: "bar" });
  });

  it("has the documented thresholds", () => {
    expect(thresholdRows(plugin)).toEqual([
      ["low-pressure", "network_pressure", 2, 30, "warning"],
      ["very-low-pressure", "network_pressure", 1, 15, "critical"],
      ["high-pressure", "network_pressure", 10, 30, "warning"],
    ]);
  });
});
