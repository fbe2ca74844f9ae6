import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/power/index.js";
import { describeDefinitions, thresholdRows } from "../definitions.js";

describeDefinitions(plugin);

describe("power channels and thresholds", () => {
  it("has the documented channels and units", () => {
    expect(Object.fromEntries(plugin.sensors.map((s) => [s.name, s.unit]))).toEqual({ supply_voltage: "V", backup_battery: "%", wiring_fault: "flag", power_loss: "flag" });
  });

  it("has the documented thresholds", () => {
    expect(thresholdRows(plugin)).toEqual([
      ["undervoltage", "supply_voltage", 207, 10, "warning"],
      ["overvoltage", "supply_voltage", 253, 10, "warning"],
      ["severe-undervoltage", "supply_voltage", 195.5, 10, "critical"],
      ["battery-low", "backup_battery", 20, 0, "warning"],
      ["battery-empty", "backup_battery", 5, 0, "critical"],
      ["wiring-fault", "wiring_fault", 0.5, 0, "critical"],
      ["power-loss", "power_loss", 0.5, 0, "warning"],
      ["power-loss-long", "power_loss", 0.5, 240, "critical"],
    ]);
  });
});
