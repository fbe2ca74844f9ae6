import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/noise/index.js";
import { describeDefinitions, thresholdRows } from "../definitions.js";

describeDefinitions(plugin);

describe("noise channels and thresholds", () => {
  it("has the documented channels and units", () => {
    expect(Object.fromEntries(plugin.sensors.map((s) => [s.name, s.unit]))).toEqual({ noise: "dB(A)" });
  });

  it("has the documented thresholds", () => {
    expect(thresholdRows(plugin)).toEqual([
      ["exposure", "noise", 85, 480, "warning"],
      ["loud", "noise", 100, 15, "critical"],
    ]);
  });
});
