import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/radiation/index.js";
import { describeDefinitions, thresholdRows } from "../definitions.js";

describeDefinitions(plugin);

describe("radiation channels and thresholds", () => {
  it("has the documented channels and units", () => {
    expect(Object.fromEntries(plugin.sensors.map((s) => [s.name, s.unit]))).toEqual({ dose_rate: "µSv/h" });
  });

  it("has the documented thresholds", () => {
    expect(thresholdRows(plugin)).toEqual([
      ["elevated", "dose_rate", 1, 60, "warning"],
      ["high", "dose_rate", 100, 10, "critical"],
    ]);
  });
});
