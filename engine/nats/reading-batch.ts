// A decoded wire batch as the ReadingBatch the decision takes: meter ids interned into the
// consumer's MeterIndex, channel names mapped to the consumer's channel indices, every row valid
// (rejections happened at publish time), raw text made from the row on demand.
import type { ReadingBatch } from "../ingest/batch.js";
import { createMeterIndex } from "../ingest/meter-index.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import { PULSE_FIELDS } from "../ingest/pulse-fields.js";
import type { SensorValues } from "../ingest/sensor-values.js";
import { day } from "../sinks/format.js";
import { NatsError } from "./errors.js";
import { WireMeterIndex } from "./wire-index.js";
import type { WireBatch } from "./wire.js";

const utf8 = new TextDecoder("utf-8");
const SOURCES = ["auto", "manual", "import"];
const VERIFICATIONS = ["", "false", "true"];

/**
 * The ReadingBatch of a wire batch. `channels` maps channel names to the consumer's indices
 * (ReadReadingsOptions.channels); a channel it does not know is NatsError `MF_ERR_NATS_WIRE`.
 */
export function toReadingBatch(w: WireBatch, meters: MeterIndex, channels: ReadonlyMap<string, number> = new Map()): ReadingBatch {
  const n = w.length;
  const global = new Int32Array(w.idEnds.length);
  for (let k = 0, at = 0; k < global.length; k++) global[k] = meters.internBytes(w.idBytes, at, (at = w.idEnds[k]));
  const meter = new Int32Array(n);
  for (let i = 0; i < n; i++) meter[i] = global[w.meter[i]];
  return batchOf(w, meters, meter, channels);
}

/**
 * The ReadingBatch of a wire batch on a meter index of its own: the message's id table as it is
 * (WireMeterIndex, nothing interned), or, when the table names an id twice, a fresh interning index.
 */
export function readingBatchOf(w: WireBatch, channels: ReadonlyMap<string, number> = new Map()): ReadingBatch {
  const index = WireMeterIndex.of(w.idBytes, w.idEnds);
  return index === undefined ? toReadingBatch(w, createMeterIndex(), channels) : batchOf(w, index, w.meter, channels);
}

function batchOf(w: WireBatch, meters: MeterIndex, meter: Int32Array, channels: ReadonlyMap<string, number>): ReadingBatch {
  const n = w.length;
  let sensors: SensorValues | undefined;
  if (w.sensors !== undefined) {
    const map = w.sensors.channels.map((name) => {
      const index = channels.get(name);
      if (index === undefined) throw new NatsError("MF_ERR_NATS_WIRE", `the batch carries channel "${name}" that no plugin here defines`);
      return index;
    });
    const channel = new Uint16Array(w.sensors.length);
    for (let i = 0; i < channel.length; i++) channel[i] = map[w.sensors.channel[i]];
    sensors = { length: w.sensors.length, row: w.sensors.row, channel, time: w.sensors.time, value: w.sensors.value };
  }
  const rejectedRaw = new Map<number, string>();
  return {
    length: n, line: w.line, meter, end: w.end, value: w.value, override: w.override, source: w.source, verification: w.verification,
    reject: new Uint8Array(n), rejectedRaw, meters,
    ...(w.pulse === undefined ? {} : { pulse: w.pulse }),
    ...(w.sensorRow === undefined ? {} : { sensorRow: w.sensorRow }),
    ...(sensors === undefined ? {} : { sensors }),
    rawOf: (row: number) => rawOf(w, row),
  };
}

/** A row as the JSON of its fields (what rejected.csv's `raw` shows for a row from NATS). */
export function rawOf(w: WireBatch, row: number): string {
  const k = w.meter[row];
  const o: Record<string, unknown> = { meter_id: utf8.decode(w.idBytes.subarray(k === 0 ? 0 : w.idEnds[k - 1], w.idEnds[k])), end: day(w.end[row]) };
  if (w.sensorRow?.[row] !== 1) o.value = w.value[row];
  if (w.override[row] === w.override[row]) o.override = w.override[row];
  if (w.source[row] !== 0) o.source = SOURCES[w.source[row]];
  if (w.verification[row] !== 0) o.verification = VERIFICATIONS[w.verification[row]];
  if (w.pulse !== undefined) {
    for (const [field, input] of Object.entries(PULSE_FIELDS)) {
      const v = w.pulse[input][row];
      if (v === v) o[field] = v;
    }
  }
  if (w.sensors !== undefined) {
    for (let i = 0; i < w.sensors.length; i++) if (w.sensors.row[i] === row) o[w.sensors.channels[w.sensors.channel[i]]] = w.sensors.value[i];
  }
  return JSON.stringify(o);
}
