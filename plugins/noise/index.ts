// Noise sensors (`meterflow-noise`): the A-weighted sound level, with alarm levels from the EU
// noise-at-work directive.
import { definePlugin } from "../../sdk/index.js";

/**
 * Channel `noise`, dB(A), 0 to 140: the A-weighted equivalent continuous sound level LAeq over
 * the reading's interval. 0 dB is the threshold of hearing; 140 dB is the EU's peak exposure
 * limit and the top of the range of class 1 and 2 sound level meters.
 *
 * Thresholds (Directive 2003/10/EC: daily exposure action values 80 and 85 dB(A), limit 87):
 * - `exposure`: above 85 dB(A) for 8 h, warning: a working day above the upper exposure action
 *   value.
 * - `loud`: above 100 dB(A) for 15 min, critical: with the equal-energy rule (3 dB per halving
 *   of time) a quarter hour at 100 dB(A) gives the whole daily dose of 85 dB(A) over 8 h
 *   (85 + 10·log10(480/15) = 100).
 */
export default definePlugin({
  name: "meterflow-noise",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "noise", unit: "dB(A)", description: "A-weighted equivalent continuous sound level LAeq.", range: { min: 0, max: 140 } },
  ],
  thresholds: [
    { name: "exposure", channel: "noise", above: 85, forMinutes: 480, severity: "warning", message: "noise above 85 dB(A) for 8 h (EU upper exposure action value)" },
    { name: "loud", channel: "noise", above: 100, forMinutes: 15, severity: "critical", message: "noise above 100 dB(A) for 15 min: a day's 85 dB(A) dose" },
  ],
});
