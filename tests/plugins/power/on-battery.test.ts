import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/power/index.js";
import { factOf, runFact } from "../definitions.js";

describe("on_battery", () => {
  const fact = factOf(plugin, "on-battery");

  it("is 1 on a power loss or a supply below 85 V, else 0", () => {
    const { on_battery } = runFact(fact, [
      { power_loss: 0, supply_voltage: 231 },
      { power_loss: 1, supply_voltage: 231 },
      { power_loss: 0, supply_voltage: 0 },
      { power_loss: 0, supply_voltage: 85 },
      { power_loss: 0, supply_voltage: 84.9 },
      { power_loss: 1 },
      { power_loss: 0 },
      { supply_voltage: 12 },
      { supply_voltage: 229 },
    ]);
    expect(on_battery).toEqual([0, 1, 1, 0, 1, 1, 0, 1, 0]);
  });

  it("is NaN with neither input", () => {
    expect(runFact(fact, [{}]).on_battery).toEqual([Number.NaN]);
  });
});
