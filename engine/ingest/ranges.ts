// Physical ranges of sensor channels: a sensor row (channel values only) with a value outside
// its channel's range is rejected `out_of_range`. (A reading row keeps its register value; its
// out-of-range channel value becomes an alert instead: engine/pipeline/sensors.ts.) Runs where
// the batch is decoded, like rejectByRegistry, so the batch id is the same in every thread.
import type { ReadingBatch } from "./batch.js";
import { REJECT } from "./reasons.js";
import type { SensorChannelDefinition } from "../../sdk/index.js";

/** Per channel index: the inclusive valid range. */
export interface ChannelRanges {
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** 1 where only whole numbers are valid (SensorChannelDefinition.integer). */
  readonly integer: Uint8Array;
}

/** Whether `value` lies in channel `c`'s range (and is whole where the channel requires). */
export function inRange(ranges: ChannelRanges, c: number, value: number): boolean {
  return value >= ranges.min[c] && value <= ranges.max[c] && (ranges.integer[c] === 0 || Number.isInteger(value));
}

/** Rejects the sensor rows with a value out of range; returns how many. */
export function rejectOutOfRange(batch: ReadingBatch, ranges: ChannelRanges): number {
  const s = batch.sensors;
  const sensorRow = batch.sensorRow;
  if (s === undefined || sensorRow === undefined) return 0;
  let rejected = 0;
  for (let i = 0; i < s.length; i++) {
    const row = s.row[i];
    if (sensorRow[row] !== 1 || batch.reject[row] !== 0 || inRange(ranges, s.channel[i], s.value[i])) continue;
    batch.reject[row] = REJECT.out_of_range;
    if (!batch.rejectedRaw.has(row)) batch.rejectedRaw.set(row, batch.rawOf(row));
    rejected++;
  }
  return rejected;
}

/** The valid range of every channel, by channel index. */
export function channelRanges(channels: readonly SensorChannelDefinition[]): ChannelRanges {
  const min = new Float64Array(channels.length);
  const max = new Float64Array(channels.length);
  const integer = new Uint8Array(channels.length);
  channels.forEach((c, i) => {
    min[i] = c.range.min;
    max[i] = c.range.max;
    integer[i] = c.integer === true ? 1 : 0;
  });
  return { min, max, integer };
}
