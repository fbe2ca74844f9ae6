// The demo's pulse meters (DESIGN.md "Pulse meters and impulse-sensor faults"), in two forms:
// - radio-module channels (`P-…`): one interval summary a day in pulse-readings.csv, as modules
//   send them at the end of the day, with faults planted on some days;
// - logger channels (`L-<kind>`): raw pulse events and line samples in pulse-events.csv from the
//   synthetic signal generator (engine/pulses/signals), one channel per signal kind, a clean day
//   followed by a day of that kind, so every fault class and its near misses go through a run.
import { maxFlowPerHour, generateChannelDay, SIGNAL_KINDS } from "../pulses/signals/index.js";
import type { FaultName, Sensor, SignalKind } from "../pulses/signals/index.js";
import { formatDay } from "../time/index.js";
import type { Random } from "./random.js";
import { moduleChannels } from "./sensors.js";

/** Registry columns the demo adds for pulse meters (empty on register meters). */
export const PULSE_METER_COLUMNS = ["pulse_weight", "pulse_input", "qmax", "no_pulse_days"] as const;

/** Header of pulse-readings.csv. */
export const PULSE_READINGS_HEADER =
  "meter_id,end,value,pulse_min_on_ms,pulse_min_gap_ms,pulse_max_closed_ms,loop_min_ma,loop_max_ma,tamper_open,tamper_events,reverse_count,pulse_free_max_min,temperature,backup_battery";

/** Header of pulse-events.csv. */
export const PULSE_EVENTS_HEADER = "meter_id,time,on_ms,direction,loop_ma,tamper,magnet_mt";

/** What the demo planted in its pulse files. */
export interface DemoPulses {
  /** Radio-module meters and their summary rows. */
  radioMeters: number;
  summaryRows: number;
  /** Faults planted in the summaries: meter id, day, fault. */
  planted: Array<{ meterId: string; day: string; fault: FaultName }>;
  /** Logger channels: one per signal kind, with the faults its second day must raise. */
  channels: Array<{ meterId: string; kind: SignalKind; sensor: Sensor; day: string; expected: readonly FaultName[] }>;
  /** Rows of pulse-events.csv (pulses and samples). */
  eventRows: number;
}

/** The id of radio-module pulse meter `m` (0-based). */
export function radioMeterId(m: number): string {
  return `P-${String(m + 1).padStart(4, "0")}`;
}

const INPUT: Record<Sensor, string> = { s0: "s0a", namur: "namur", reed: "reed" };
const FAULTS: FaultName[] = ["bounce", "open_circuit", "short_circuit", "magnetic", "leak", "backflow", "no_consumption"];
/** The input type a radio meter planted with a fault has: one whose line can show it. */
const FAULT_INPUT: Record<FaultName, string> = {
  bounce: "s0a", open_circuit: "namur", short_circuit: "namur", magnetic: "reed", leak: "s0a", backflow: "s0a", no_consumption: "s0a",
};

/**
 * Generates the pulse part of the demo for `days` days from day number `first`: registry rows
 * (values for PULSE_METER_COLUMNS after the register columns), summary lines and event lines.
 */
export function demoPulses(rng: Random, meters: number, first: number, days: number, seed: number) {
  const registry: string[][] = [];
  const summaries: string[] = [PULSE_READINGS_HEADER];
  const events: string[] = [PULSE_EVENTS_HEADER];
  const result: DemoPulses = { radioMeters: 0, summaryRows: 0, planted: [], channels: [], eventRows: 0 };

  // Radio-module channels: about 1% of the fleet, at least one per planted fault.
  const radio = Math.max(FAULTS.length + 3, Math.round(meters / 100));
  for (let m = 0; m < radio; m++) {
    const id = radioMeterId(m);
    const fault = m < FAULTS.length ? FAULTS[m] : undefined;
    const input = fault === undefined ? (["s0a", "namur", "reed"] as const)[m % 3] : FAULT_INPUT[fault];
    registry.push([id, "water.pulse", "m3", "0.01", input, "2.5", "5"]);
    const faultDay = Math.floor(days / 2) + (m % 5);
    for (let d = 0; d < days; d++) {
      // The no_consumption meter stops after a week; its module goes on reporting zero pulses.
      const idle = fault === "no_consumption" && d >= 7;
      const f = d === faultDay ? fault : undefined;
      const namur = input === "namur";
      const reed = input === "reed";
      summaries.push([
        id, formatDay(first + d), String(idle ? 0 : rng.int(200, 900)),
        f === "bounce" ? "4" : String(rng.int(40, 60)),
        f === "bounce" ? "9" : String(rng.int(300, 5000)),
        String(rng.int(45, 110)),
        f === "open_circuit" ? "0.12" : namur ? "1.18" : "",
        f === "short_circuit" ? "6.4" : namur ? "2.12" : "",
        reed ? "0" : "",
        f === "magnetic" ? "2" : reed ? "0" : "",
        f === "backflow" ? "4" : "0",
        f === "leak" ? "25" : String(rng.int(120, 360)),
        // The module's own channels (./sensors.ts).
        ...moduleChannels(rng, m, d, days),
      ].join(","));
      result.summaryRows++;
      if (f !== undefined && f !== "no_consumption") result.planted.push({ meterId: id, day: formatDay(first + d), fault: f });
    }
    // no_pulse_days 5: the fifth day without pulses (day index 11) raises it.
    if (fault === "no_consumption") result.planted.push({ meterId: id, day: formatDay(first + 11), fault });
  }
  result.radioMeters = radio;

  // Logger channels: a clean day, then a day of the kind, on the last two days.
  const weight = 1;
  SIGNAL_KINDS.forEach((kind, k) => {
    const id = `L-${kind}`;
    const day2 = first + days - 1;
    const second = generateChannelDay(kind, { dayStartMs: day2 * 86_400_000, seed: seed + k, weight });
    const firstDay = generateChannelDay("clean-s0", { dayStartMs: (day2 - 1) * 86_400_000, seed: seed + 100 + k, weight, sensor: second.sensor });
    registry.push([id, "water.pulse", "l", String(weight), INPUT[second.sensor], maxFlowPerHour(weight).toFixed(3), ""]);
    result.eventRows += writeEvents(events, id, (day2 - 1) * 86_400_000, firstDay.events, firstDay.samples);
    result.eventRows += writeEvents(events, id, day2 * 86_400_000, second.events, second.samples);
    result.channels.push({ meterId: id, kind, sensor: second.sensor, day: formatDay(day2), expected: second.expected });
  });
  return { registry, summaries, events, result };
}

/** Appends one channel-day's pulses and samples as CSV rows in time order; returns the rows written. */
function writeEvents(
  out: string[], id: string, dayStart: number,
  e: { t: Float64Array; onMs: Float64Array; reverse: Uint8Array },
  s: { t: Float64Array; loopMa: Float64Array; tamper: Float64Array; magnetMt: Float64Array },
): number {
  let i = 0;
  let j = 0;
  const num = (x: number) => (x === x ? String(x) : "");
  // The logger's day record: the channel was logged this day, even if no pulse came.
  out.push(`${id},${new Date(dayStart).toISOString()},,,,,`);
  while (i < e.t.length || j < s.t.length) {
    if (j >= s.t.length || (i < e.t.length && e.t[i] <= s.t[j])) {
      out.push(`${id},${new Date(e.t[i]).toISOString()},${e.onMs[i]},${e.reverse[i] === 1 ? "reverse" : ""},,,`);
      i++;
    } else {
      out.push(`${id},${new Date(s.t[j]).toISOString()},,,${num(s.loopMa[j])},${num(s.tamper[j])},${num(s.magnetMt[j])}`);
      j++;
    }
  }
  return i + j + 1;
}
