import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/gas/index.js";
import { describeDefinitions } from "../definitions.js";

describeDefinitions(plugin);

describe("gas meter types", () => {
  it("has a register and a pulse variant, in m3", () => {
    expect(plugin.meterTypes.map((t) => t.name)).toEqual(["gas.register", "gas.pulse"]);
    expect(plugin.meterTypes.map((t) => t.unit)).toEqual(["m3", "m3"]);
  });

  it("pulse defaults as documented", () => {
    const pulse = plugin.meterTypes.find((t) => t.kind === "pulse")!;
    expect(pulse.defaults).toEqual({ pulseWeight: 0.01, pulseInput: "reed", qmax: 6 });
  });
});
