import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/environment/index.js";
import { describeDefinitions, thresholdRows } from "../definitions.js";

describeDefinitions(plugin);

describe("environment channels and thresholds", () => {
  it("has the documented channels and units", () => {
    expect(Object.fromEntries(plugin.sensors.map((s) => [s.name, s.unit]))).toEqual({ temperature: "°C", humidity: "%RH", pressure: "hPa" });
  });

  it("has the documented thresholds", () => {
    expect(thresholdRows(plugin)).toEqual([
      ["frost-risk", "temperature", 3, 60, "warning"],
      ["too-hot", "temperature", 55, 30, "warning"],
      ["damp", "humidity", 80, 1440, "warning"],
    ]);
  });
});
