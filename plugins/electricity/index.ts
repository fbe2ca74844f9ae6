// Electricity meters (`meterflow-electricity`): the register type the registry's `type` column
// names for read-out meters, and the pulse type for meters read through their S0 output.
import { definePlugin } from "../../sdk/index.js";

/**
 * Electricity meters, in kWh.
 *
 * - `electricity.register`: a register of active energy (OBIS 1.8.0), kWh. Scaling factor 1: a
 *   transformer-connected meter has its CT (and VT) ratio set per meter in the registry, never
 *   as a type default. No default `digits`: dial counts vary (5 to 8 integer digits) and a wrong
 *   default would bill a wrap the register never made, so the maximum is inferred unless the
 *   registry configures it.
 * - `electricity.pulse`: the S0 output of a DIN-rail meter (EN 62053-31 class A, `s0a`), 1,000
 *   impulses per kWh (0.001 kWh per pulse, the usual rate). `qmax` 60 kWh/h (60 kW): the most
 *   that 0.001 kWh pulses can carry within S0 timing (60 ms per pulse, 60,000 pulses an hour);
 *   a meter for larger loads has a heavier pulse weight and sets its own `qmax`. `noPulseDays`
 *   14: connected premises draw standby power (1 W is 24 pulses a day), and an open S0 line is
 *   only visible as silence, so two weeks without a pulse means a dead line or a switched-off
 *   supply, while a fortnight's absence with the main switch off does not raise it. The S0
 *   profile's debounce (5 ms) applies.
 *
 * @example
 * // registry.csv
 * // meter_id,type,unit,pulse_weight
 * // E-1,electricity.register,kWh,
 * // E-2,electricity.pulse,kWh,0.001
 */
export default definePlugin({
  name: "meterflow-electricity",
  version: "1.0.0",
  sdk: "^1.0.0",
  meterTypes: [
    {
      name: "electricity.register",
      kind: "register",
      unit: "kWh",
      description: "Active energy register read from the meter (OBIS 1.8.0), kWh.",
      defaults: { scalingFactor: 1, rolloverMode: "documented" },
    },
    {
      name: "electricity.pulse",
      kind: "pulse",
      unit: "kWh",
      description: "S0 pulse output (EN 62053-31 class A) of an electricity meter, 1,000 impulses per kWh.",
      defaults: { pulseWeight: 0.001, pulseInput: "s0a", qmax: 60, noPulseDays: 14 },
    },
  ],
});
