// Fuel meters (`meterflow-fuel`): liquid fuel (heating oil, diesel) registers and the reed pulse
// output of oval-gear meters on burners, generators and tank outlets.
import { definePlugin } from "../../sdk/index.js";

/**
 * Liquid fuel meters, in litres.
 *
 * - `fuel.register`: the meter's totaliser, l; scaling factor 1, no default `digits`.
 * - `fuel.pulse`: the reed output of a small (DN 15) oval-gear meter, 0.1 l per pulse (10 pulses
 *   a litre), `reed` input (10 ms debounce). `qmax` 600 l/h: 10 l/min, the top of the range of
 *   meters of that size; at 10 pulses a litre that is under 2 pulses a second, well within a
 *   reed contact. A larger meter (a dispenser, a tanker) sets its own. No `noPulseDays`: a
 *   standby generator or a summer-idle burner uses no fuel for months.
 *
 * @example
 * // registry.csv: F-2,fuel.pulse,l,0.1,reed,600,
 */
export default definePlugin({
  name: "meterflow-fuel",
  version: "1.0.0",
  sdk: "^1.0.0",
  meterTypes: [
    {
      name: "fuel.register",
      kind: "register",
      unit: "l",
      description: "Liquid fuel (heating oil, diesel) meter totaliser, litres.",
      defaults: { scalingFactor: 1, rolloverMode: "documented" },
    },
    {
      name: "fuel.pulse",
      kind: "pulse",
      unit: "l",
      description: "Reed pulse output of a DN 15 oval-gear fuel meter, 0.1 l per pulse.",
      defaults: { pulseWeight: 0.1, pulseInput: "reed", qmax: 600 },
    },
  ],
});
