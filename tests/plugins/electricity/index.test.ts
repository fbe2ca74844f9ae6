import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/electricity/index.js";
import { describeDefinitions } from "../definitions.js";

describeDefinitions(plugin);

describe("electricity meter types", () => {
  it("has a register and a pulse variant, in kWh", () => {
    expect(plugin.meterTypes.map((t) => t.name)).toEqual(["electricity.register", "electricity.pulse"]);
    expect(plugin.meterTypes.map((t) => t.unit)).toEqual(["kWh", "kWh"]);
  });

  it("pulse defaults as documented", () => {
    const pulse = plugin.meterTypes.find((t) => t.kind === "pulse")!;
    expect(pulse.defaults).toEqual({ pulseWeight: 0.001, pulseInput: "s0a", qmax: 60, noPulseDays: 14 });
  });
});

describe("electricity.pulse within S0 timing", () => {
  it("qmax needs no more pulses than S0 carries (60 ms per pulse: 60,000 an hour)", () => {
    const pulse = plugin.meterTypes.find((t) => t.kind === "pulse")!;
    expect(pulse.defaults.qmax / pulse.defaults.pulseWeight).toBeLessThanOrEqual(3_600_000 / 60);
  });
});
