// The wire format of a readings message: one msgpack map holding a columnar batch of valid
// readings of one partition from one file or several. Columns travel as msgpack bin values holding the
// typed array's bytes (little-endian), meter ids as a table of UTF-8 bytes the `meter` column
// indexes (a consumer interns them from the bytes, MeterIndex.internBytes, without strings).
// Optional columns are left out when every row has the default (override NaN, source auto,
// verification unset, no sensor rows, no pulse data, no channel values). Rows of several files
// published together carry `files` (`file` is the first) and a `line` that names its file
// (engine/ingest/source-line.ts); a batch of one file has no `files`.
//
//   { v: 1, partition, file, files?, rows, id_bytes: the ids' UTF-8 bytes one after another, id_ends:
//     Int32 (id k is id_bytes[id_ends[k-1], id_ends[k])), meter: Int32 (index into the ids), end: Int32, value: F64, line: F64,
//     override?: F64, source?: U8, verification?: U8, sensor_row?: U8,
//     pulse?: { debouncedIn: F64, ..., dayMin: F64 (ingest/pulse-fields.ts PULSE_ROW_COLUMNS) }, sensors?: { channels: string[], count, row: Int32,
//     channel: U16 (into channels), time: F64, value: F64 } }
import { endianness } from "node:os";
import { Packr, Unpackr } from "msgpackr";
import type { PulseReadingColumns } from "../ingest/pulse-fields.js";
import { PULSE_ROW_COLUMNS } from "../ingest/pulse-fields.js";
import { NatsError } from "./errors.js";

/** The version this code writes and reads (the `v` field). */
export const WIRE_VERSION = 1;

/** A partition's channel values on the wire: channels by name, rows local to the batch. */
export interface WireSensors {
  /** Channel names the `channel` column indexes. */
  channels: string[];
  length: number;
  row: Int32Array;
  channel: Uint16Array;
  /** The row's `end` as an instant, ms since epoch UTC. */
  time: Float64Array;
  value: Float64Array;
}

/** Bytes a file name takes in a message's `file` or `files` (msgpack: its UTF-8 and at most 5 bytes of string header). */
export function fileNameBytes(name: string): number {
  return Buffer.byteLength(name) + 5;
}

/** A decoded readings message: valid readings of one partition, in file order. */
export interface WireBatch {
  partition: number;
  /** The file the readings came from (as given to `meterflow publish`); of several, the first. */
  file: string;
  /** The files of a batch of several, in the order published: each row's line names its file (source-line.ts). */
  files?: string[];
  /** Rows. */
  length: number;
  /** Meter ids' UTF-8 bytes, one after another; id k is `idBytes[idEnds[k - 1] ?? 0, idEnds[k])` (wireIds). */
  idBytes: Uint8Array;
  idEnds: Int32Array;
  /** Index into the id table. */
  meter: Int32Array;
  /** End day number (days since 1970-01-01 UTC). */
  end: Int32Array;
  value: Float64Array;
  /** Source line (msgpack input: record number; summarised pulse events: 0). */
  line: Float64Array;
  /** NaN when absent. */
  override: Float64Array;
  /** SOURCE codes (engine/ingest/reasons.ts). */
  source: Uint8Array;
  /** VERIFICATION codes. */
  verification: Uint8Array;
  /** 1 for a sensor row (channel values only); absent when the batch has none. */
  sensorRow?: Uint8Array;
  /** Pulse interval columns, NaN where a row gives none; absent when the batch has none. */
  pulse?: PulseReadingColumns;
  sensors?: WireSensors;
}

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const littleEndian = endianness() === "LE";

type Typed = Int32Array | Float64Array | Uint8Array | Uint16Array;

function bytesOf(a: Typed, n: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT);
}

function allNaN(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] === a[i]) return false;
  return true;
}

function allZero(a: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== 0) return false;
  return true;
}

/**
 * Encodes a batch (its first `length` rows) into one message payload. The bytes depend only on
 * the batch's content, so the same rows give the same payload (and message id).
 */
export function encodeBatch(b: WireBatch): Uint8Array {
  if (!littleEndian) throw new NatsError("MF_ERR_NATS_WIRE", "the wire format is little-endian; this host is big-endian");
  const n = b.length;
  const message: Record<string, unknown> = {
    v: WIRE_VERSION, partition: b.partition, file: b.file, ...(b.files === undefined ? {} : { files: b.files }), rows: n,
    id_bytes: b.idBytes, id_ends: bytesOf(b.idEnds, b.idEnds.length),
    meter: bytesOf(b.meter, n), end: bytesOf(b.end, n), value: bytesOf(b.value, n), line: bytesOf(b.line, n),
  };
  if (!allNaN(b.override, n)) message.override = bytesOf(b.override, n);
  if (!allZero(b.source, n)) message.source = bytesOf(b.source, n);
  if (!allZero(b.verification, n)) message.verification = bytesOf(b.verification, n);
  if (b.sensorRow !== undefined && !allZero(b.sensorRow, n)) message.sensor_row = bytesOf(b.sensorRow, n);
  if (b.pulse !== undefined && !PULSE_ROW_COLUMNS.every((k) => allNaN(b.pulse![k], n))) {
    const pulse: Record<string, Uint8Array> = {};
    for (const k of PULSE_ROW_COLUMNS) pulse[k] = bytesOf(b.pulse[k], n);
    message.pulse = pulse;
  }
  const s = b.sensors;
  if (s !== undefined && s.length > 0) {
    const m = s.length;
    message.sensors = {
      channels: s.channels, count: m, row: bytesOf(s.row, m), channel: bytesOf(s.channel, m),
      time: bytesOf(s.time, m), value: bytesOf(s.value, m),
    };
  }
  // A copy: the packer reuses its buffer for the next message.
  return Uint8Array.prototype.slice.call(packr.pack(message));
}

/** Decodes a message payload; throws NatsError `MF_ERR_NATS_WIRE` when it is not a batch of this version. */
export function decodeBatch(payload: Uint8Array): WireBatch {
  if (!littleEndian) throw new NatsError("MF_ERR_NATS_WIRE", "the wire format is little-endian; this host is big-endian");
  let m: Record<string, unknown>;
  try {
    m = unpackr.unpack(payload) as Record<string, unknown>;
  } catch (error) {
    throw new NatsError("MF_ERR_NATS_WIRE", `not a msgpack message: ${(error as Error).message}`, error);
  }
  if (m === null || typeof m !== "object") throw bad("not a map");
  if (m.v !== WIRE_VERSION) throw bad(`wire version ${String(m.v)}, this meterflow reads ${WIRE_VERSION}`);
  const n = m.rows;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw bad("rows is not a count");
  if (typeof m.partition !== "number" || typeof m.file !== "string") throw bad("partition or file missing");
  if (m.files !== undefined && !(Array.isArray(m.files) && m.files.length > 0 && m.files.every((f) => typeof f === "string"))) throw bad("files is not a list of names");
  const { idBytes, idEnds } = idTableOf(m.id_bytes, m.id_ends);
  const meter = column(m.meter, n, Int32Array, "meter");
  for (let i = 0; i < n; i++) if (meter[i] < 0 || meter[i] >= idEnds.length) throw bad(`meter index ${meter[i]} outside the id table`);
  const batch: WireBatch = {
    partition: m.partition, file: m.file, ...(m.files === undefined ? {} : { files: m.files as string[] }), length: n, idBytes, idEnds, meter,
    end: column(m.end, n, Int32Array, "end"),
    value: column(m.value, n, Float64Array, "value"),
    line: column(m.line, n, Float64Array, "line"),
    override: m.override === undefined ? new Float64Array(n).fill(Number.NaN) : column(m.override, n, Float64Array, "override"),
    source: m.source === undefined ? new Uint8Array(n) : column(m.source, n, Uint8Array, "source"),
    verification: m.verification === undefined ? new Uint8Array(n) : column(m.verification, n, Uint8Array, "verification"),
  };
  if (m.sensor_row !== undefined) batch.sensorRow = column(m.sensor_row, n, Uint8Array, "sensor_row");
  if (m.pulse !== undefined) {
    const p = m.pulse as Record<string, unknown>;
    if (p === null || typeof p !== "object") throw bad("pulse is not a map");
    const pulse = {} as Record<string, Float64Array>;
    for (const k of PULSE_ROW_COLUMNS) pulse[k] = p[k] === undefined ? new Float64Array(n).fill(Number.NaN) : column(p[k], n, Float64Array, `pulse.${k}`);
    batch.pulse = pulse as unknown as PulseReadingColumns;
  }
  if (m.sensors !== undefined) {
    const s = m.sensors as Record<string, unknown>;
    if (s === null || typeof s !== "object" || typeof s.count !== "number" || !Array.isArray(s.channels)) throw bad("sensors is not a channel list");
    const count = s.count;
    const sensors: WireSensors = {
      channels: s.channels as string[], length: count,
      row: column(s.row, count, Int32Array, "sensors.row"), channel: column(s.channel, count, Uint16Array, "sensors.channel"),
      time: column(s.time, count, Float64Array, "sensors.time"), value: column(s.value, count, Float64Array, "sensors.value"),
    };
    for (let i = 0; i < count; i++) {
      if (sensors.row[i] < 0 || sensors.row[i] >= n || sensors.channel[i] >= sensors.channels.length) throw bad("a channel value outside the batch");
    }
    batch.sensors = sensors;
  }
  return batch;
}

function idTableOf(bytes: unknown, endBytes: unknown): { idBytes: Uint8Array; idEnds: Int32Array } {
  if (!(bytes instanceof Uint8Array) || !(endBytes instanceof Uint8Array) || endBytes.length % 4 !== 0) throw bad("no meter id table");
  const idEnds = column(endBytes, endBytes.length / 4, Int32Array, "id_ends");
  let at = 0;
  for (let k = 0; k < idEnds.length; k++) {
    if (idEnds[k] < at || idEnds[k] > bytes.length) throw bad("meter id table ends out of order");
    at = idEnds[k];
  }
  return { idBytes: bytes, idEnds };
}

const utf8 = new TextDecoder("utf-8");

/** The meter ids of a batch as strings (each decoded on its own, as MeterIndex decodes ids). */
export function wireIds(b: Pick<WireBatch, "idBytes" | "idEnds">): string[] {
  const ids = new Array<string>(b.idEnds.length);
  for (let k = 0, at = 0; k < ids.length; k++) ids[k] = utf8.decode(b.idBytes.subarray(at, (at = b.idEnds[k])));
  return ids;
}

/** Meter ids as a wire id table (UTF-8 bytes and ends). */
export function idTable(ids: readonly string[]): { idBytes: Uint8Array; idEnds: Int32Array } {
  const parts = ids.map((id) => Buffer.from(id, "utf8"));
  const idEnds = new Int32Array(ids.length);
  let at = 0;
  parts.forEach((part, k) => (idEnds[k] = at += part.length));
  const idBytes = new Uint8Array(at);
  at = 0;
  for (const part of parts) {
    idBytes.set(part, at);
    at += part.length;
  }
  return { idBytes, idEnds };
}

function column<T extends Typed>(value: unknown, n: number, type: { new (n: number): T; BYTES_PER_ELEMENT: number }, name: string): T {
  if (!(value instanceof Uint8Array)) throw bad(`${name} is not a binary column`);
  if (value.length !== n * type.BYTES_PER_ELEMENT) throw bad(`${name} has ${value.length} bytes for ${n} rows`);
  // A copy into an aligned buffer of its own (the payload's offsets are not aligned).
  const out = new type(n);
  new Uint8Array(out.buffer).set(value);
  return out;
}

function bad(why: string): NatsError {
  return new NatsError("MF_ERR_NATS_WIRE", `not a meterflow readings batch: ${why}`);
}
