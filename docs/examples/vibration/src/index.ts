// src/index.ts: @acme/meterflow-vibration, a machine vibration channel for meterflow: its valid
// range, an ISO 10816 zone D alert, the zone as a derived fact and a rule using it.
import { defineFact, definePlugin } from "meterflow-engine/sdk";

/** ISO 10816-3 zone limits, mm/s RMS, group 1 (300 kW to 50 MW), rigid foundation: A/B, B/C, C/D. */
const ZONES = [2.3, 4.5, 7.1] as const;

/**
 * `vibration_zone`: the ISO 10816 evaluation zone, A = 1 (newly commissioned) to D = 4 (damage
 * likely); a value on a limit belongs to the lower zone. NaN where `vibration` is missing.
 *
 * @example
 * // vibration 0.9 -> 1, 2.3 -> 1, 3 -> 2, 6 -> 3, 7.1 -> 3, 11 -> 4
 */
export const vibrationZone = defineFact({
  name: "vibration-zone",
  description: "ISO 10816-3 evaluation zone of the vibration velocity: A=1, B=2, C=3, D=4",
  reads: ["vibration"],
  writes: ["vibration_zone"],
  compute(input, output, length) {
    const v = input.vibration;
    const zone = output.vibration_zone;
    for (let i = 0; i < length; i++) {
      const x = v[i] as number;
      if (Number.isNaN(x)) continue; // stays NaN: no reading, no zone
      zone[i] = x <= ZONES[0] ? 1 : x <= ZONES[1] ? 2 : x <= ZONES[2] ? 3 : 4;
    }
  },
});

export default definePlugin({
  name: "@acme/meterflow-vibration",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "vibration", unit: "mm/s", description: "RMS vibration velocity (10-1000 Hz)", range: { min: 0, max: 100 } },
  ],
  thresholds: [
    {
      name: "zone-d",
      channel: "vibration",
      above: 7.1,
      forMinutes: 10,
      severity: "critical",
      message: "vibration above 7.1 mm/s for 10 min (ISO 10816 zone D)",
    },
  ],
  facts: [vibrationZone],
  rules: [
    {
      name: "vibration",
      rows: "both", // vibration comes on sensor rows, and on reading rows beside a register value
      rules: [
        {
          name: "vibration-zone-c",
          conditions: { all: [{ fact: "vibration_zone", operator: "equal", value: 3 }] },
          event: { type: "alert", params: { severity: "warning", channel: "vibration", message: "vibration in ISO 10816 zone C" } },
        },
      ],
    },
  ],
});
