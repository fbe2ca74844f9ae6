// Heat meters (`meterflow-heat`): energy registers and the pulse output of heat meters.
import { definePlugin } from "../../sdk/index.js";

/**
 * Heat meters (EN 1434), in kWh (the demo fleet's unit; a meter displaying MWh says so in the
 * registry's `unit` and `scaling_factor` columns).
 *
 * - `heat.register`: the meter's energy register, kWh; scaling factor 1, no default `digits`.
 * - `heat.pulse`: the energy pulse output of a compact heat meter, 1 kWh per pulse, open
 *   collector read as `s0a` (S0 timing and the 5 ms debounce). `qmax` 210 kWh/h (210 kW): the
 *   most a residential meter (qp 1.5 m3/h) can register, its upper flow qs = 3 m3/h at a
 *   60 K temperature difference, 3 x 60 x 1.163 kWh/(m3 K) = 209 kW. No `noPulseDays`: space
 *   heating stops for the summer.
 *
 * @example
 * // registry.csv: H-3,heat.pulse,kWh,1,s0a,210,
 */
export default definePlugin({
  name: "meterflow-heat",
  version: "1.0.0",
  sdk: "^1.0.0",
  meterTypes: [
    {
      name: "heat.register",
      kind: "register",
      unit: "kWh",
      description: "Heat meter energy register (EN 1434), kWh.",
      defaults: { scalingFactor: 1, rolloverMode: "documented" },
    },
    {
      name: "heat.pulse",
      kind: "pulse",
      unit: "kWh",
      description: "Energy pulse output of a compact heat meter (qp 1.5 m3/h), 1 kWh per pulse.",
      defaults: { pulseWeight: 1, pulseInput: "s0a", qmax: 210 },
    },
  ],
});
