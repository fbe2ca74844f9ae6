// Water meters (`meterflow-water`): volume registers and the reed pulse output of domestic meters.
import { definePlugin } from "../../sdk/index.js";

/**
 * Water meters, in m3.
 *
 * - `water.register`: the meter's index, m3; scaling factor 1, no default `digits`.
 * - `water.pulse`: the reed contact of a domestic meter (DN 15, Q3 = 2.5 m3/h, ISO 4064 / MID),
 *   1 litre (0.001 m3) per pulse, `reed` input (10 ms debounce from the profile). `qmax` 3.125
 *   m3/h: the overload flow Q4 = 1.25 x Q3, not Q3 itself: Q3 is the permanent flow, and a meter
 *   is specified to run at up to Q4 for short periods, so only a count above what Q4 allows is
 *   impossible (the `magnetic` fault it raises must not fire on legal use). `noPulseDays` 30:
 *   occupied premises use water every day, and a month covers holidays and short vacancies; a
 *   dwelling left empty for longer is what the resulting hold asks someone to confirm.
 *
 * @example
 * // registry.csv: W-17,water.pulse,m3,0.001,reed,3.125,30
 */
export default definePlugin({
  name: "meterflow-water",
  version: "1.0.0",
  sdk: "^1.0.0",
  meterTypes: [
    {
      name: "water.register",
      kind: "register",
      unit: "m3",
      description: "Water meter index, m3.",
      defaults: { scalingFactor: 1, rolloverMode: "documented" },
    },
    {
      name: "water.pulse",
      kind: "pulse",
      unit: "m3",
      description: "Reed pulse output of a domestic water meter (DN 15, Q3 2.5 m3/h), 1 litre per pulse.",
      defaults: { pulseWeight: 0.001, pulseInput: "reed", qmax: 3.125, noPulseDays: 30 },
    },
  ],
});
