import { describe, expect, it } from "vitest";
import plugin from "../../../plugins/cold-chain/index.js";
import environment from "../../../plugins/environment/index.js";
import { describeDefinitions, thresholdRows } from "../definitions.js";

describeDefinitions(plugin, [environment]);

describe("cold-chain profile", () => {
  it("depends on meterflow-environment and adds no channel of its own", () => {
    expect(plugin.dependencies).toEqual({ "meterflow-environment": "^1.0.0" });
    expect("sensors" in plugin).toBe(false);
  });

  it("watches the chilled range 2 to 8 °C", () => {
    expect(thresholdRows(plugin)).toEqual([
      ["too-warm", "temperature", 8, 30, "critical"],
      ["too-cold", "temperature", 2, 30, "critical"],
      ["freezing", "temperature", 0, 10, "critical"],
    ]);
  });
});
