// Gas meters (`meterflow-gas`): volume registers and the reed pulse output of diaphragm meters.
import { definePlugin } from "../../sdk/index.js";

/**
 * Gas meters, in m3 (volume at meter conditions; conversion to kWh with the calorific value and
 * the volume correction factor belongs to billing, not to validation).
 *
 * - `gas.register`: the meter's index, m3. Scaling factor 1 (a volume converter's factor is set
 *   per meter); no default `digits` (5 integer drums is common, but not universal).
 * - `gas.pulse`: the reed contact of a diaphragm meter's index, one pulse per turn of the last
 *   drum, 0.01 m3 per pulse, `reed` input (the tamper loop reports a cut line or a magnet; the
 *   reed profile's 10 ms debounce applies). `qmax` 6 m3/h: Qmax of a G4 meter, the usual
 *   household size (EN 1359: G4 has Qmax 6 m3/h); a larger meter (G6: 10, G10: 16) sets its own.
 *   No `noPulseDays`: a heating-only connection uses no gas for months in summer.
 *
 * @example
 * // registry.csv: G-7,gas.pulse,m3,0.01,reed,6,
 */
export default definePlugin({
  name: "meterflow-gas",
  version: "1.0.0",
  sdk: "^1.0.0",
  meterTypes: [
    {
      name: "gas.register",
      kind: "register",
      unit: "m3",
      description: "Gas meter index (volume at meter conditions), m3.",
      defaults: { scalingFactor: 1, rolloverMode: "documented" },
    },
    {
      name: "gas.pulse",
      kind: "pulse",
      unit: "m3",
      description: "Reed pulse output of a diaphragm gas meter (G4), 0.01 m3 per pulse.",
      defaults: { pulseWeight: 0.01, pulseInput: "reed", qmax: 6 },
    },
  ],
});
