// Power supply of radio modules and loggers (`meterflow-power`): mains voltage, backup battery
// charge, and the wiring-fault and power-loss signals, with the derived `on_battery`.
import { definePlugin } from "../../sdk/index.js";
import { onBattery } from "./on-battery.js";

/**
 * Channels:
 * - `supply_voltage`, V, 0 to 500: the RMS mains voltage at the module (nominal 230 V, the
 *   low-voltage supply of EN 50160). 0 is no supply; a lost neutral puts up to the 400 V
 *   line-to-line voltage on a phase, 500 leaves a margin. A different nominal voltage needs its
 *   own plugin: the thresholds below assume 230 V.
 * - `backup_battery`, %, 0 to 100: charge of the backup battery.
 * - `wiring_fault`, 0 or 1 (flag): the module detects a wiring fault (reversed or open line).
 * - `power_loss`, 0 or 1 (flag): the mains supply is lost.
 * The flags' range is 0 to 1; thresholds read them as set above 0.5.
 *
 * Thresholds (EN 50160: 10-minute means within 230 V ± 10 %, never below −15 %):
 * - `undervoltage`: supply below 207 V (−10 %) for 10 min, warning.
 * - `overvoltage`: supply above 253 V (+10 %) for 10 min, warning.
 * - `severe-undervoltage`: supply below 195.5 V (−15 %) for 10 min, critical. (A power loss
 *   raises it too, after 10 minutes at 0 V.)
 * - `battery-low`: backup battery below 20 %, warning; `battery-empty`: below 5 %, critical;
 *   at once (charge changes slowly, one reading is enough).
 * - `wiring-fault`: wiring fault set, critical, at once: readings through a faulty line are
 *   suspect.
 * - `power-loss`: power loss set, warning, at once; `power-loss-long`: for 4 h, critical:
 *   backup batteries of modules and loggers bridge hours, not days, so four hours leaves time
 *   to act before the logging stops.
 *
 * Fact: `on_battery` (1 or 0), see ./on-battery.ts.
 */
export default definePlugin({
  name: "meterflow-power",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "supply_voltage", unit: "V", description: "RMS mains supply voltage at the module (nominal 230 V).", range: { min: 0, max: 500 } },
    { name: "backup_battery", unit: "%", description: "Charge of the backup battery.", range: { min: 0, max: 100 } },
    { name: "wiring_fault", unit: "flag", description: "1 when the module detects a wiring fault, else 0.", range: { min: 0, max: 1 }, integer: true },
    { name: "power_loss", unit: "flag", description: "1 when the mains supply is lost, else 0.", range: { min: 0, max: 1 }, integer: true },
  ],
  thresholds: [
    { name: "undervoltage", channel: "supply_voltage", below: 207, forMinutes: 10, severity: "warning", message: "supply below 207 V (230 V -10 %) for 10 min" },
    { name: "overvoltage", channel: "supply_voltage", above: 253, forMinutes: 10, severity: "warning", message: "supply above 253 V (230 V +10 %) for 10 min" },
    { name: "severe-undervoltage", channel: "supply_voltage", below: 195.5, forMinutes: 10, severity: "critical", message: "supply below 195.5 V (230 V -15 %) for 10 min" },
    { name: "battery-low", channel: "backup_battery", below: 20, severity: "warning", message: "backup battery below 20 %" },
    { name: "battery-empty", channel: "backup_battery", below: 5, severity: "critical", message: "backup battery below 5 %" },
    { name: "wiring-fault", channel: "wiring_fault", above: 0.5, severity: "critical", message: "wiring fault" },
    { name: "power-loss", channel: "power_loss", above: 0.5, severity: "warning", message: "mains power lost" },
    { name: "power-loss-long", channel: "power_loss", above: 0.5, forMinutes: 240, severity: "critical", message: "mains power lost for 4 h" },
  ],
  facts: [onBattery],
});
