// Radiation sensors (`meterflow-radiation`): ambient gamma dose rate from a Geiger-Müller tube.
import { definePlugin } from "../../sdk/index.js";

/**
 * Channel `dose_rate`, µSv/h, 0 to 10,000: ambient dose equivalent rate H*(10). Natural
 * background is 0.05 to 0.3 µSv/h in most places; 10 mSv/h is the top of the range of common
 * GM-tube dose-rate meters, so a larger value is a fault (or a saturated tube), not a reading.
 *
 * Thresholds, from the IAEA's default operational intervention levels for gamma dose rate at
 * 1 m (IAEA EPR-NPP-PPA 2013):
 * - `elevated`: above 1 µSv/h for 60 min, warning (OIL3: restrict local food; several times any
 *   populated area's background). The hour spans the noise of a GM tube's low count rates.
 * - `high`: above 100 µSv/h for 10 min, critical (OIL2: relocate within a week).
 */
export default definePlugin({
  name: "meterflow-radiation",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "dose_rate", unit: "µSv/h", description: "Ambient gamma dose equivalent rate H*(10).", range: { min: 0, max: 10_000 } },
  ],
  thresholds: [
    { name: "elevated", channel: "dose_rate", above: 1, forMinutes: 60, severity: "warning", message: "dose rate above 1 µSv/h for 60 min (IAEA OIL3)" },
    { name: "high", channel: "dose_rate", above: 100, forMinutes: 10, severity: "critical", message: "dose rate above 100 µSv/h for 10 min (IAEA OIL2)" },
  ],
});
