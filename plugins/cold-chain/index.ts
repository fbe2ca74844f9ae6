// Cold-chain transport profile (`meterflow-cold-chain`): temperature excursion alerts for chilled
// goods (2–8 °C), on the environment plugin's `temperature` channel.
import { definePlugin } from "../../sdk/index.js";

/**
 * A profile for the controlled atmosphere the seed system logs in refrigerated road, rail and
 * sea freight and in mines: loggers record all day, often without a connection, and upload at
 * the end of the day; thresholds are judged in time order across the uploaded readings and keep
 * their state from one batch to the next. It adds no channel: it watches the environment
 * plugin's `temperature`, so it depends on `meterflow-environment`. (The gases of those spaces
 * are meterflow-air-quality's channels.) A profile, not a type: its thresholds watch every
 * meter's `temperature`, so the engine loads it only when the configuration names it
 * (`{ "plugins": ["meterflow-cold-chain"] }`); a basement at 9 °C is not a spoiled consignment.
 *
 * The range is the chilled range of 2 to 8 °C: medicinal products labelled "store in a
 * refrigerator" (EU Good Distribution Practice, 2013/C 343/01) and chilled food (the UK's 8 °C
 * chill-holding limit, Food Safety (Temperature Control) Regulations 1995). 30 minutes lets a
 * door opened for loading or a defrost cycle pass, while an excursion that long usually means the
 * consignment is quarantined for a stability review, hence critical.
 * - `too-warm`: temperature above 8 °C for 30 min, critical.
 * - `too-cold`: temperature below 2 °C for 30 min, critical.
 * - `freezing`: temperature below 0 °C for 10 min, critical: freezing damages vaccines and
 *   biologics at once and for good, so it is not given the 30 minutes.
 *
 * No rule file: every condition here is one channel over a duration, which thresholds track
 * statefully across readings and batches, while a rule sees one reading at a time.
 */
export default definePlugin({
  name: "meterflow-cold-chain",
  version: "1.0.0",
  sdk: "^1.0.0",
  dependencies: { "meterflow-environment": "^1.0.0" },
  thresholds: [
    { name: "too-warm", channel: "temperature", above: 8, forMinutes: 30, severity: "critical", message: "cold chain: temperature above 8 °C for 30 min" },
    { name: "too-cold", channel: "temperature", below: 2, forMinutes: 30, severity: "critical", message: "cold chain: temperature below 2 °C for 30 min" },
    { name: "freezing", channel: "temperature", below: 0, forMinutes: 10, severity: "critical", message: "cold chain: temperature below 0 °C for 10 min, goods freezing" },
  ],
});
