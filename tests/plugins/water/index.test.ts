import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/water/index.js";
import { describeDefinitions } from "../definitions.js";

describeDefinitions(plugin);

describe("water meter types", () => {
  it("has a register and a pulse variant, in m3", () => {
    expect(plugin.meterTypes.map((t) => t.name)).toEqual(["water.register", "water.pulse"]);
    expect(plugin.meterTypes.map((t) => t.unit)).toEqual(["m3", "m3"]);
  });

  it("pulse defaults as documented", () => {
    const pulse = plugin.meterTypes.find((t) => t.kind === "pulse")!;
    expect(pulse.defaults).toEqual({ pulseWeight: 0.001, pulseInput: "reed", qmax: 3.125, noPulseDays: 30 });
  });
});

describe("water.pulse qmax", () => {
  it("is the overload flow Q4 = 1.25 x Q3 of a Q3 2.5 meter", () => {
    const pulse = plugin.meterTypes.find((t) => t.kind === "pulse")!;
    expect(pulse.defaults.qmax).toBe(1.25 * 2.5);
  });
});
