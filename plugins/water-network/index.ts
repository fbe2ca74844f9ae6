// Water network pressure (`meterflow-water-network`): gauge pressure in the distribution
// network, with low- and high-pressure alarms.
import { definePlugin } from "../../sdk/index.js";

/**
 * Channel `network_pressure`, bar (gauge), −1 to 25: −1 bar gauge is a full vacuum (transients
 * can pull a main below atmospheric pressure); PN 25 is the highest pressure class of
 * distribution networks, so above 25 bar is a sensor fault.
 *
 * Thresholds:
 * - `low-pressure`: below 2 bar for 30 min, warning: DVGW W 400-1's minimum supply pressure for
 *   a low building; below it upper floors and appliances run short.
 * - `very-low-pressure`: below 1 bar for 15 min, critical: under Ofwat's 10 m head reference
 *   level (DG2); near zero, back-siphonage can draw contamination into the main.
 * - `high-pressure`: above 10 bar for 30 min, warning: PN 10 is the rating of most domestic
 *   installations (EN 806-2 asks for a pressure reducer above 5 bar at the consumer already).
 */
export default definePlugin({
  name: "meterflow-water-network",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "network_pressure", unit: "bar", description: "Gauge pressure in the water distribution network.", range: { min: -1, max: 25 } },
  ],
  thresholds: [
    { name: "low-pressure", channel: "network_pressure", below: 2, forMinutes: 30, severity: "warning", message: "network pressure below 2 bar for 30 min" },
    { name: "very-low-pressure", channel: "network_pressure", below: 1, forMinutes: 15, severity: "critical", message: "network pressure below 1 bar for 15 min" },
    { name: "high-pressure", channel: "network_pressure", above: 10, forMinutes: 30, severity: "warning", message: "network pressure above 10 bar for 30 min" },
  ],
});
