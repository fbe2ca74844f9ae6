import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/heat/index.js";
import { describeDefinitions } from "../definitions.js";

describeDefinitions(plugin);

describe("heat meter types", () => {
  it("has a register and a pulse variant, in kWh", () => {
    expect(plugin.meterTypes.map((t) => t.name)).toEqual(["heat.register", "heat.pulse"]);
    expect(plugin.meterTypes.map((t) => t.unit)).toEqual(["kWh", "kWh"]);
  });

  it("pulse defaults as documented", () => {
    const pulse = plugin.meterTypes.find((t) => t.kind === "pulse")!;
    expect(pulse.defaults).toEqual({ pulseWeight: 1, pulseInput: "s0a", qmax: 210 });
  });
});
