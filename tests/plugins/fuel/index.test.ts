import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/fuel/index.js";
import { describeDefinitions } from "../definitions.js";

describeDefinitions(plugin);

describe("fuel meter types", () => {
  it("has a register and a pulse variant, in l", () => {
    expect(plugin.meterTypes.map((t) => t.name)).toEqual(["fuel.register", "fuel.pulse"]);
    expect(plugin.meterTypes.map((t) => t.unit)).toEqual(["l", "l"]);
  });

  it("pulse defaults as documented", () => {
    const pulse = plugin.meterTypes.find((t) => t.kind === "pulse")!;
    expect(pulse.defaults).toEqual({ pulseWeight: 0.1, pulseInput: "reed", qmax: 600 });
  });
});
