// The demo's sensor channels (README "Sensor channels and plugins"):
// - the radio modules of the pulse meters report their housing temperature and backup battery
//   with each daily summary (wide columns of pulse-readings.csv); one module's battery runs low,
//   one sits in a freezing shaft for two days;
// - cold-chain.csv: two refrigerated trucks' loggers, a temperature and humidity sample every 5
//   minutes over the last day, uploaded as sensor rows; one truck's cooling fails for 45 minutes,
//   and one sample is impossible (a broken probe): the run needs the cold-chain profile, which the
//   demo names in its meterflow.config.json.
import { formatDay } from "../time/index.js";
import type { Random } from "./random.js";

/** Header of cold-chain.csv. */
export const COLD_CHAIN_HEADER = "meter_id,end,temperature,humidity";

/** What the demo planted in its sensor data, and the alerts and rejections a run must give. */
export interface DemoSensors {
  /** Rows of cold-chain.csv (sensor rows). */
  loggerRows: number;
  /** Expected alerts: meter id, day, rule. */
  alerts: Array<{ meterId: string; day: string; rule: string }>;
  /** Lines of cold-chain.csv to be rejected `out_of_range`. */
  outOfRange: number[];
}

/** Wide channel values for a radio module's daily summary: temperature, backup battery. */
export function moduleChannels(rng: Random, module: number, day: number, days: number): [string, string] {
  // Module 3 sits in a shaft that freezes on the last two days; module 5's battery runs down.
  const cold = module === 3 && day >= days - 2;
  const temperature = cold ? -1 - rng.int(0, 3) : 6 + rng.int(0, 12);
  const battery = module === 5 ? Math.max(12, 95 - day * 6) : 80 + rng.int(0, 20);
  return [String(temperature), String(battery)];
}

/** The alerts moduleChannels plants, for the manifest. */
export function moduleAlerts(first: number, days: number, moduleId: (m: number) => string): DemoSensors["alerts"] {
  // Battery below 20 % (95 - 6 x day): the first day it gets there. Frost: the last two days
  // below 3 °C, 24 h apart (the threshold needs 60 minutes).
  const lowDay = Math.floor((95 - 20) / 6) + 1;
  const alerts: DemoSensors["alerts"] = [{ meterId: moduleId(3), day: formatDay(first + days - 1), rule: "meterflow-environment/frost-risk" }];
  if (lowDay < days) alerts.push({ meterId: moduleId(5), day: formatDay(first + lowDay), rule: "meterflow-power/battery-low" });
  return alerts;
}

/** cold-chain.csv lines (header included) for the day `last`, and what they plant. */
export function coldChainLog(rng: Random, last: number): { lines: string[]; planted: DemoSensors } {
  const lines = [COLD_CHAIN_HEADER];
  const planted: DemoSensors = { loggerRows: 0, alerts: [], outOfRange: [] };
  const day = formatDay(last);
  for (const truck of ["REEFER-1", "REEFER-2"]) {
    for (let minute = 0; minute < 1440; minute += 5) {
      const hh = String(Math.floor(minute / 60)).padStart(2, "0");
      const mm = String(minute % 60).padStart(2, "0");
      // REEFER-1's cooling fails from 14:00 to 14:45: 9.5 to 11 °C, 45 minutes above 8 °C.
      const failing = truck === "REEFER-1" && minute >= 840 && minute <= 885;
      let temperature = failing ? (9.5 + rng.between(0, 1.5)).toFixed(1) : (3.5 + rng.between(0, 3)).toFixed(1);
      // REEFER-2's probe reports the impossible once.
      if (truck === "REEFER-2" && minute === 600) {
        temperature = "-150.0";
        planted.outOfRange.push(lines.length + 1);
      }
      lines.push(`${truck},${day}T${hh}:${mm}:00Z,${temperature},${(70 + rng.between(0, 15)).toFixed(0)}`);
      planted.loggerRows++;
    }
  }
  planted.alerts.push({ meterId: "REEFER-1", day, rule: "meterflow-cold-chain/too-warm" });
  return { lines, planted };
}
