// src/index.ts: @acme/meterflow-soil-moisture, soil moisture probes for meterflow: the channel,
// a dry-soil alert with a deadband, the plant-available water as a derived fact, and a rule on
// the probes' sensor rows.
import { defineFact, definePlugin } from "meterflow-engine/sdk";

/** Volumetric water content, %, of a loam: field capacity and permanent wilting point. */
const FIELD_CAPACITY = 32;
const WILTING_POINT = 12;

/**
 * `soil_available_water`: the share of plant-available water left, 0 (wilting point or drier)
 * to 1 (field capacity or wetter). NaN where `soil_moisture` is missing.
 *
 * @example
 * // soil_moisture 8 -> 0, 12 -> 0, 17 -> 0.25, 22 -> 0.5, 32 -> 1, 45 -> 1
 */
export const availableWater = defineFact({
  name: "soil-available-water",
  description: "share of plant-available water left between wilting point (0) and field capacity (1)",
  reads: ["soil_moisture"],
  writes: ["soil_available_water"],
  compute(input, output, length) {
    const moisture = input.soil_moisture;
    const available = output.soil_available_water;
    for (let i = 0; i < length; i++) {
      const x = moisture[i] as number;
      if (Number.isNaN(x)) continue; // stays NaN: no reading, no value
      available[i] = Math.min(1, Math.max(0, (x - WILTING_POINT) / (FIELD_CAPACITY - WILTING_POINT)));
    }
  },
});

export default definePlugin({
  name: "@acme/meterflow-soil-moisture",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "soil_moisture", unit: "%", description: "volumetric water content of the soil", range: { min: 0, max: 100 } },
  ],
  thresholds: [
    {
      name: "dry",
      channel: "soil_moisture",
      below: 15,
      forMinutes: 120,
      hysteresis: 1,
      severity: "warning",
      message: "soil moisture below 15 % for 2 h: irrigate",
    },
  ],
  facts: [availableWater],
  rules: [
    {
      name: "soil",
      rows: "sensor",
      rules: [
        {
          name: "soil-wilting",
          conditions: { all: [{ fact: "soil_available_water", operator: "lessThanInclusive", value: 0 }] },
          event: { type: "alert", params: { severity: "critical", channel: "soil_moisture", message: "soil at the wilting point" } },
        },
      ],
    },
  ],
});
