import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/light/index.js";
import { describeDefinitions, thresholdRows } from "../definitions.js";

describeDefinitions(plugin);

describe("light channels and thresholds", () => {
  it("has the documented channels and units", () => {
    expect(Object.fromEntries(plugin.sensors.map((s) => [s.name, s.unit]))).toEqual({ illuminance: "lx", "illuminance.ir": "W/m2", "illuminance.red": "W/m2", "illuminance.green": "W/m2", "illuminance.blue": "W/m2", "illuminance.uv": "UVI" });
  });

  it("has the documented thresholds", () => {
    expect(thresholdRows(plugin)).toEqual([["uv-extreme", "illuminance.uv", 10.5, 15, "info"]]);
  });
});
