// Derived fact of the power plugin: whether the module runs on its backup battery.
import { defineFact } from "../../sdk/index.js";

/** Below this supply voltage a module's mains power supply has dropped out, V. */
export const DROPOUT_VOLTAGE = 85;

/**
 * `on_battery`, 1 or 0: the module runs on its backup battery, because it reports a power loss
 * (`power_loss` above 0.5) or its supply voltage is below 85 V (the lower limit of the common
 * wide-range 85–264 V AC power supplies). 0 when a present input says otherwise; NaN when both
 * are missing.
 *
 * @example
 * // power_loss 0, supply_voltage 231 -> 0; power_loss 1 -> 1; power_loss missing, supply_voltage 0 -> 1
 */
export const onBattery = defineFact({
  name: "on-battery",
  description: "1 when the module runs on its backup battery (power loss or supply below 85 V), else 0",
  reads: ["power_loss", "supply_voltage"],
  writes: ["on_battery"],
  compute(input, output, length) {
    const loss = input.power_loss;
    const volts = input.supply_voltage;
    const out = output.on_battery;
    for (let i = 0; i < length; i++) {
      const l = loss[i];
      const v = volts[i];
      if (l > 0.5 || v < DROPOUT_VOLTAGE) out[i] = 1;
      else if (l === l || v === v) out[i] = 0; // at least one present (NaN !== NaN)
    }
  },
});
