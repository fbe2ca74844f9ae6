// Air-quality gas sensors (`meterflow-air-quality`): carbon monoxide, carbon dioxide and methane,
// with alarm levels from occupational and indoor-air limits.
import { definePlugin } from "../../sdk/index.js";

/**
 * Channels:
 * - `co`, ppm, 0 to 10,000: carbon monoxide (electrochemical cell). 1 % by volume is far
 *   beyond any such cell's range (typically 0–1,000 or 0–2,000 ppm); above it is a fault or a
 *   sentinel, not air. A cell drifting below 0 needs a zero calibration and is rejected.
 * - `co2`, ppm, 0 to 100,000: carbon dioxide (NDIR). Outdoor air is about 420 ppm; up to 10 %
 *   covers controlled-atmosphere freight (CO2 kept at a few percent) and 0–10 % cells.
 * - `ch4`, %LEL, 0 to 100: methane as a share of its lower explosive limit (4.4 % by volume,
 *   IEC 60079-20-1), as catalytic and infrared gas detectors report it.
 *
 * Thresholds. A duration means the value stayed above the limit the whole time, so an alert
 * proves the time-weighted limit was exceeded; an exposure that fluctuates around the limit
 * with the same average is not caught.
 * - `co-8h`: CO above 20 ppm for 8 h, warning: the EU 8-hour limit value (Directive (EU)
 *   2017/164).
 * - `co-1h`: CO above 30 ppm for 60 min, warning: WHO indoor air guideline of 35 mg/m3 for 1 h
 *   (about 30 ppm).
 * - `co-15min`: CO above 100 ppm for 15 min, critical: the EU short-term limit (100 ppm over
 *   15 min, Directive (EU) 2017/164), WHO's 15-minute guideline is 100 mg/m3 (about 87 ppm).
 * - `co2-ventilation`: CO2 above 1,000 ppm for 30 min, warning: the Pettenkofer value, the
 *   common mark of insufficient ventilation (EN 16798-1 categories, German UBA guidance).
 * - `co2-limit`: CO2 above 5,000 ppm for 15 min, critical: the 8-hour occupational limit
 *   (EU IOELV, OSHA PEL 5,000 ppm); a quarter hour above it points to a leak (dry ice,
 *   controlled-atmosphere gas) or a failed ventilation, not to people breathing. Spaces that
 *   hold a controlled atmosphere on purpose need their own profile.
 * - `ch4-alarm-1`: CH4 above 10 %LEL, warning, and `ch4-alarm-2`: above 20 %LEL, critical, at
 *   once: the usual first and second alarm levels of fixed gas detectors (EN 60079-29-2 guidance).
 */
export default definePlugin({
  name: "meterflow-air-quality",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "co", unit: "ppm", description: "Carbon monoxide concentration.", range: { min: 0, max: 10_000 } },
    { name: "co2", unit: "ppm", description: "Carbon dioxide concentration.", range: { min: 0, max: 100_000 } },
    { name: "ch4", unit: "%LEL", description: "Methane, percent of the lower explosive limit (4.4 % vol).", range: { min: 0, max: 100 } },
  ],
  thresholds: [
    { name: "co-8h", channel: "co", above: 20, forMinutes: 480, severity: "warning", message: "CO above 20 ppm for 8 h (EU 8-hour limit)" },
    { name: "co-1h", channel: "co", above: 30, forMinutes: 60, severity: "warning", message: "CO above 30 ppm for 60 min (WHO 1-hour guideline)" },
    { name: "co-15min", channel: "co", above: 100, forMinutes: 15, severity: "critical", message: "CO above 100 ppm for 15 min (EU short-term limit)" },
    { name: "co2-ventilation", channel: "co2", above: 1000, forMinutes: 30, severity: "warning", message: "CO2 above 1000 ppm for 30 min: ventilation insufficient" },
    { name: "co2-limit", channel: "co2", above: 5000, forMinutes: 15, severity: "critical", message: "CO2 above 5000 ppm for 15 min (occupational limit)" },
    { name: "ch4-alarm-1", channel: "ch4", above: 10, severity: "warning", message: "methane above 10 %LEL" },
    { name: "ch4-alarm-2", channel: "ch4", above: 20, severity: "critical", message: "methane above 20 %LEL" },
  ],
});
