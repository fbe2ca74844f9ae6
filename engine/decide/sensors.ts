// Sensor channel values in a batch (README "Sensor channels"): sensor rows counted, thresholds
// with durations tracked per meter and channel in time order (the SDK's ThresholdTracker, whose
// state outlives batches and runs), alerts into alerts.csv, and a reading row's channel value
// outside its physical range reported as an alert (the reading itself stays valid).
import type { ReadingBatch } from "../ingest/batch.js";
import { timeZone } from "../time/current.js";
import type { ChannelRanges } from "../ingest/ranges.js";
import { inRange } from "../ingest/ranges.js";
import type { RegisteredChannel } from "../../sdk/registry.js";
import type { ThresholdTracker } from "../../sdk/thresholds.js";
import type { BatchOutput } from "./output.js";


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
  /** Scratch: per meter index, the latest time seen (#inTimeOrder). */
  #last = new Float64Array(0);
  readonly stats: SensorStats = { values: 0, out_of_range: 0, late: 0, alerts: 0 };
  readonly #channels: readonly RegisteredChannel[];
  readonly #ranges: ChannelRanges;
  readonly #tracker: ThresholdTracker;
  /** Per channel index: the tracker's watch index, -1 when no threshold watches it. */
  readonly #watch: Int32Array;
  #order = new Int32Array(0);
  /** Tracker slot by meter index of `#index` (-1: not looked up yet): one Map lookup per meter and file. */
  #slots = new Int32Array(0);
  #index: unknown;

  constructor(channels: readonly RegisteredChannel[], ranges: ChannelRanges, tracker: ThresholdTracker) {
    this.#channels = channels;
    this.#ranges = ranges;
    this.#tracker = tracker;
    this.#watch = Int32Array.from(channels, (c) => tracker.watchIndex(c.name));
  }

  /** Whether every meter's values in the batch are in time order already (file order). */
  #inTimeOrder(batch: ReadingBatch): boolean {
    const s = batch.sensors!;
    const n = batch.meters.size;
    if (this.#last.length < n) this.#last = new Float64Array(Math.max(n, 1024));
    const last = this.#last;
    last.fill(Number.NEGATIVE_INFINITY, 0, n);
    for (let i = 0; i < s.length; i++) {
      const m = batch.meter[s.row[i]];
      if (m < 0) continue;
      const t = s.time[i];
      if (t < last[m]) return false;
      last[m] = t;
    }
    return true;
  }

  #slotOf(batch: ReadingBatch, m: number, meterId: string): number {
    if (batch.meters !== this.#index) {
      this.#index = batch.meters;
      this.#slots.fill(-1);
    }
    if (m >= this.#slots.length) {
      const grown = new Int32Array(Math.max(m + 1, this.#slots.length * 2, 1024)).fill(-1);
      grown.set(this.#slots);
      this.#slots = grown;
    }
    let slot = this.#slots[m];
    if (slot < 0) this.#slots[m] = slot = this.#tracker.slot(meterId);
    return slot;
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
    // An alert's day is its value's calendar day in the thread's time zone.
    const zone = timeZone();
    // Files are usually in time order per meter already: sort only when one is not.
    if (!this.#inTimeOrder(batch)) order.sort((a, b) => meter[s.row[a]] - meter[s.row[b]] || s.time[a] - s.time[b] || a - b);
    const tracker = this.#tracker;
    const st = this.stats;
    // The tracker's slot of the meter whose values come now (they come grouped by meter).
    let slotMeter = -1;
    let slot = -1;
    for (let j = 0; j < order.length; j++) {
      const i = order[j];
      const row = s.row[i];
      if (batch.reject[row] !== 0) continue;
      st.values++;
      const c = s.channel[i];
      const value = s.value[i];
      const inside = inRange(this.#ranges, c, value);
      const watch = this.#watch[c];
      if (inside && watch < 0) continue;
      const channel = this.#channels[c];
      const meterId = batch.meters.idOf(meter[row]);
      const end = zone.dayOf(s.time[i]);
      if (meter[row] !== slotMeter && watch >= 0) {
        slotMeter = meter[row];
        slot = this.#slotOf(batch, slotMeter, meterId);
      }
      if (!inside) {
        // A watched channel's value at or before the last one seen for it (a reading sent again, a
        // late one) raised its range alert when it came first, or is not judged (README "late").
        if (watch >= 0 && !tracker.seeAt(watch, slot, s.time[i])) {
          st.late++;
          continue;
        }
        st.out_of_range++;
        out.alerts.push({
          meterId, end, channel: channel.name, severity: "warning", rule: `range/${channel.name}`,
          message: value === value
            ? `${value} ${channel.unit} is outside the physical range ${channel.range.min} to ${channel.range.max}: sensor fault?`
            : `not a number, where ${channel.range.min} to ${channel.range.max} ${channel.unit} belongs: sensor fault?`,
        });
        continue;
      }
      const alerts = tracker.observeAt(watch, slot, s.time[i], value);
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

/** The ids of the meters with sensor values in the batch (their threshold episodes are what it changes). */
export function sensorMeterIds(batch: ReadingBatch): string[] {
  const s = batch.sensors;
  if (s === undefined || s.length === 0) return [];
  const ids = new Set<string>();
  for (let k = 0; k < s.length; k++) {
    const m = batch.meter[s.row[k]];
    if (m >= 0) ids.add(batch.meters.idOf(m));
  }
  return [...ids];
}
