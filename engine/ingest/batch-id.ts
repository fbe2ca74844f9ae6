// Content-addressed batch ids: the same readings in the same batch give the same id in any run,
// so a batch committed before is recognised (a rerun, a redelivery, a run killed midway).
import { createHash } from "node:crypto";
import type { ReadingBatch } from "./batch.js";
import { PULSE_INPUTS } from "./pulse-fields.js";

/**
 * SHA-256 over the batch's decoded columns (sensor channel values, their instants and photos too),
 * taken before any registry check, and its meters by id, so the id depends on the content alone
 * (not on the file's meter index, the registry or the store). A routed batch names each row's id by its bytes (ReadingBatch.rowIds): they are hashed
 * as they are, with their offsets. Another batch numbers its meters in order of first appearance
 * and hashes the numbers and the distinct ids. Routed batches were hashed that way too until
 * f59bf23: on the nightly shape (1M meters x 1 reading) numbering and joining took ~0.14 s of the
 * decoding thread, and its whole batchId in CPU profiles went from 261-293 ms to 61-76 ms.
 */
export function batchId(batch: ReadingBatch): string {
  const n = batch.length;
  const h = createHash("sha256");
  const bytes = (a: ArrayBufferView, size: number) => new Uint8Array(a.buffer, a.byteOffset, n * size);
  h.update(bytes(batch.line, 8));
  h.update(bytes(batch.end, 4));
  h.update(bytes(batch.value, 8));
  h.update(bytes(batch.override, 8));
  h.update(bytes(batch.source, 1));
  h.update(bytes(batch.verification, 1));
  h.update(bytes(batch.reject, 1));
  if (batch.rowIds !== undefined) {
    const { bytes: ids, at } = batch.rowIds;
    h.update(ROUTED);
    h.update(offsetsFromZero(at, n));
    h.update(ids.subarray(at[0], at[n]));
  } else {
    const count = numberMeters(batch.meter, n);
    h.update(new Uint8Array(order.buffer, 0, n * 4));
    h.update(joinedIds(batch, count));
  }
  if (batch.pulse !== undefined) {
    for (const input of PULSE_INPUTS) {
      h.update(input);
      h.update(bytes(batch.pulse[input], 8));
    }
  }
  // Sensor rows carry no register value: their channel values and instants are their content (two
  // uploads of one truck's temperatures on one day differ only there).
  if (batch.sensorRow !== undefined) {
    h.update(SENSOR_ROWS);
    h.update(bytes(batch.sensorRow, 1));
  }
  const sensors = batch.sensors;
  if (sensors !== undefined && sensors.length > 0) {
    const k = sensors.length;
    const view = (a: ArrayBufferView, size: number) => new Uint8Array(a.buffer, a.byteOffset, k * size);
    h.update(SENSORS);
    h.update(view(sensors.row, 4));
    h.update(view(sensors.channel, 2));
    h.update(view(sensors.time, 8));
    h.update(view(sensors.value, 8));
  }
  if (batch.photo !== undefined) {
    h.update(PHOTOS);
    h.update(bytes(batch.photo, 1));
  }
  return h.digest("hex").slice(0, 32);
}

/** Marks the routed encoding, so no batch of the other kind can hash the same bytes. */
const ROUTED = new Uint8Array([0x52, 0x4f, 0x55, 0x54, 0x45, 0x44]);
/** Mark the optional columns that follow, so one cannot pass for another. */
const SENSOR_ROWS = "sensor rows";
const SENSORS = "sensor values";
const PHOTOS = "photos";

/** Each row's id offset counted from the first row's, as bytes (`at` itself when it starts at 0). */
function offsetsFromZero(at: Int32Array, n: number): Uint8Array {
  if (at[0] === 0) return new Uint8Array(at.buffer, at.byteOffset, (n + 1) * 4);
  const out = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) out[i] = at[i] - at[0];
  return new Uint8Array(out.buffer);
}

/** Per row, its meter's number in order of first appearance (-1 without a meter). */
let order = new Int32Array(1 << 10);
/** Per number, the meter index. */
let first = new Int32Array(1 << 10);
/** Open addressing: (meter index + 1, number), sized for the batch (not for the file's meters). */
let seen = new Int32Array(1 << 11);

/** Numbers the batch's meters in order of first appearance (`order`, `first`); returns how many. */
function numberMeters(meter: Int32Array, n: number): number {
  let slots = 1 << 4;
  while (slots < 2 * n) slots <<= 1;
  if (seen.length < slots * 2) seen = new Int32Array(slots * 2);
  seen.fill(0, 0, slots * 2);
  if (order.length < n) order = new Int32Array(n);
  if (first.length < n) first = new Int32Array(n);
  const mask = slots - 1;
  let count = 0;
  for (let row = 0; row < n; row++) {
    const m = meter[row];
    if (m < 0) {
      order[row] = -1;
      continue;
    }
    for (let s = Math.imul(m, 0x9e3779b1) & mask; ; s = (s + 1) & mask) {
      const entry = seen[s << 1];
      if (entry === m + 1) {
        order[row] = seen[(s << 1) + 1];
        break;
      }
      if (entry === 0) {
        seen[s << 1] = m + 1;
        seen[(s << 1) + 1] = order[row] = count;
        first[count++] = m;
        break;
      }
    }
  }
  return count;
}

/**
 * The ids in order of first appearance joined by "\n", as UTF-8: from the index's bytes, else as
 * strings (the same bytes either way).
 */
function joinedIds(batch: ReadingBatch, count: number): Uint8Array | string {
  const meters = batch.meters;
  if (meters.joinedIds !== undefined) return meters.joinedIds(first, count);
  const ids = new Array<string>(count);
  for (let j = 0; j < count; j++) ids[j] = meters.idOf(first[j]);
  return ids.join("\n");
}
