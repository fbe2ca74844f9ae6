// Sensor channel values in a batch (README "Sensor channels"): sensor rows counted, thresholds
// with durations tracked per meter and channel in time order (the SDK's ThresholdTracker, whose
// state outlives batches and runs), alerts into alerts.csv, and a reading row's channel value
// outside its physical range reported as an alert (the reading itself stays valid).
import type { ReadingBatch } from "../ingest/batch.js";
import type { ChannelRanges } from "../ingest/ranges.js";
import { inRange } from "../ingest/ranges.js";
import type { RegisteredChannel } from "../../sdk/registry.js";
import type { ThresholdTracker } from "../../sdk/thresholds.js";
import type { BatchOutput } from "./output.js";

const DAY_MS = 86_400_000;

/** Sensor statistics of a run. */
export interface SensorStats {
  /** Channel values seen on valid rows. */
  values: number;
  /** Values of reading rows outside their channel's range (alerted, not used). */
  out_of_range: number;
  /** Values older than one already judged for their meter and channel (not judged again). */
  late: number;
  /** Threshold alerts raised. */
  alerts: number;
}

export class SensorStage {
  readonly stats: SensorStats = { values: 0, out_of_range: 0, late: 0, alerts: 0 };
  readonly #channels: readonly RegisteredChannel[];
  readonly #ranges: ChannelRanges;
  readonly #tracker: ThresholdTracker;
  #order = new Int32Array(0);

  constructor(channels: readonly RegisteredChannel[], ranges: ChannelRanges, tracker: ThresholdTracker) {
    this.#channels = channels;
    this.#ranges = ranges;
    this.#tracker = tracker;
  }

  /** Counts the batch's valid sensor rows, judges its channel values and collects alerts. */
  apply(batch: ReadingBatch, out: BatchOutput): void {
    const sensorRow = batch.sensorRow;
    if (sensorRow !== undefined) for (let row = 0; row < batch.length; row++) if (sensorRow[row] === 1 && batch.reject[row] === 0) out.counts.sensor++;
    const s = batch.sensors;
    if (s === undefined || s.length === 0) return;
    // Each meter's values in time order (file order among equal times): offline logs uploaded at
    // once are judged as they happened.
    if (this.#order.length < s.length) this.#order = new Int32Array(Math.max(s.length, 4096));
    const order = this.#order.subarray(0, s.length);
    for (let i = 0; i < s.length; i++) order[i] = i;
    const meter = batch.meter;
    order.sort((a, b) => meter[s.row[a]] - meter[s.row[b]] || s.time[a] - s.time[b] || a - b);
    const tracker = this.#tracker;
    const st = this.stats;
    for (let j = 0; j < order.length; j++) {
      const i = order[j];
      const row = s.row[i];
      if (batch.reject[row] !== 0) continue;
      st.values++;
      const c = s.channel[i];
      const channel = this.#channels[c];
      const meterId = batch.meters.idOf(meter[row]);
      const value = s.value[i];
      const end = Math.floor(s.time[i] / DAY_MS);
      if (!inRange(this.#ranges, c, value)) {
        st.out_of_range++;
        out.alerts.push({
          meterId, end, channel: channel.name, severity: "warning", rule: `range/${channel.name}`,
          message: `${value} ${channel.unit} is outside the physical range ${channel.range.min} to ${channel.range.max}: sensor fault?`,
        });
        continue;
      }
      if (!tracker.watches(channel.name)) continue;
      const alerts = tracker.observe(meterId, channel.name, s.time[i], value);
      if (alerts === "late") {
        st.late++;
        continue;
      }
      for (const a of alerts) {
        st.alerts++;
        out.alerts.push({ meterId, end, channel: a.channel, severity: a.severity, rule: a.rule, message: a.message });
      }
    }
  }
}
