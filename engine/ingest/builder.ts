// Fills the columns of one ReadingBatch row by row and hands out each full batch as a fresh
// object (fresh typed arrays), so a consumer may keep a batch while the next one is decoded.
// Raw text is kept cheaply: for text formats as views of the bytes the rows came from (decoded
// only when asked), or, given the file (`rawFile`), as the rows' offsets in it, read back when
// asked; for msgpack as the decoded record (turned into JSON only when asked).
import { closeSync, openSync, readSync } from "node:fs";
import { NO_DAY } from "./batch.js";
import type { ReadingBatch } from "./batch.js";
import type { MeterIndex } from "./meter-index.js";
import { IngestError } from "./errors.js";
import { REJECT } from "./reasons.js";
import { createPulseColumns, slicePulseColumns } from "./pulse-fields.js";
import type { PulseReadingColumns } from "./pulse-fields.js";
import { SensorValueList } from "./sensor-values.js";
import type { SensorValues } from "./sensor-values.js";

const utf8 = new TextDecoder("utf-8");

/** How a batch finds its rows' raw text. */
export type RawMode = "bytes" | "values";

/** Row-by-row writer of ReadingBatch columns. */
export class BatchBuilder {
  readonly capacity: number;
  readonly meters: MeterIndex;
  readonly mode: RawMode;
  rows = 0;
  line!: Float64Array;
  meter!: Int32Array;
  end!: Int32Array;
  value!: Float64Array;
  override!: Float64Array;
  source!: Uint8Array;
  verification!: Uint8Array;
  reject!: Uint8Array;
  /** Pulse columns, once the input has shown a pulse field (then in every later batch too). */
  pulse: PulseReadingColumns | undefined;
  /** Sensor rows and channel values, once the input has shown a channel value. */
  sensorRow: Uint8Array | undefined;
  sensors: SensorValueList | undefined;
  rejectedRaw!: Map<number, string>;
  /**
   * "bytes" mode: each row's raw bytes are `segments[rawSegment[r]][rawStart[r], rawEnd[r])`;
   * with `rawFile`, the file's bytes from `segmentBase[rawSegment[r]]` + those offsets (read
   * back when asked for: no view of the decoder's window is kept).
   */
  rawSegment!: Int32Array;
  rawStart!: Int32Array;
  rawEnd!: Int32Array;
  segments!: Uint8Array[];
  segmentBase!: number[];
  readonly rawFile: string | undefined;
  private lastSegment: Uint8Array | null = null;
  /** "values" mode: each row's record, and its row in a columnar record (-1 for a single record). */
  rawValue!: unknown[];
  rawIndex!: Int32Array;

  constructor(capacity: number, meters: MeterIndex, mode: RawMode, rawFile?: string) {
    this.capacity = capacity;
    this.meters = meters;
    this.mode = mode;
    this.rawFile = rawFile;
    this.allocate();
  }

  /** The index of `buf` (its first byte at `base` in the input) among this batch's raw byte segments. */
  segment(buf: Uint8Array, base = 0): number {
    if (buf !== this.lastSegment) {
      // Read back from the file: only where the segment starts in it is kept.
      if (this.rawFile === undefined) this.segments.push(buf);
      else this.segmentBase.push(base);
      this.lastSegment = buf;
    }
    return (this.rawFile === undefined ? this.segments.length : this.segmentBase.length) - 1;
  }

  /** Gives this batch and every later one pulse columns (NaN-filled). */
  enablePulse(): PulseReadingColumns {
    this.pulse ??= createPulseColumns(this.capacity);
    return this.pulse;
  }

  /** Records a channel value of row `r` (and gives this batch and later ones sensor columns). */
  addSensorValue(r: number, channel: number, time: number, value: number): void {
    this.sensorRow ??= new Uint8Array(this.capacity);
    this.sensors ??= new SensorValueList(this.capacity);
    this.sensors.push(r, channel, time, value);
  }

  /** Marks row `r` as a sensor row (channel values only). */
  markSensorRow(r: number): void {
    this.sensorRow ??= new Uint8Array(this.capacity);
    this.sensorRow[r] = 1;
  }

  /**
   * Row `r` is a `channel` row (one value, named by its `channel` field; `index` undefined when
   * no plugin defines it). Returns 1 (a sensor row) or minus a rejection code.
   */
  channelRow(r: number, index: number | undefined, value: number): number {
    this.markSensorRow(r);
    if (index === undefined) return -REJECT.unknown_channel;
    if (!Number.isFinite(value)) return -REJECT.out_of_range;
    this.addSensorValue(r, index, Number.NaN, value);
    return 1;
  }

  /**
   * Classifies wide row `r` once its channel values are recorded: `found` valid ones, `bad` when
   * one was not a number, `noValue` when the row has no register value at all (a value that is
   * there but not a number is the reading's bad_value, not a sensor row). Returns 0 for a reading
   * row (a bad channel value of a reading row is recorded as it is, for its range alert), 1 for a
   * sensor row (channel values only), or minus a rejection code.
   */
  wideRow(r: number, noValue: boolean, found: number, bad: boolean): number {
    if (!noValue || (found === 0 && !bad)) return 0;
    this.markSensorRow(r);
    return bad ? -REJECT.out_of_range : 1;
  }

  /** Gives row `r`'s channel values its `end` as an instant (values are recorded before `end` is parsed). */
  setSensorTime(r: number, timeMs: number): void {
    const list = this.sensors;
    if (list === undefined) return;
    for (let k = list.length - 1; k >= 0 && list.row[k] === r; k--) list.time[k] = timeMs;
  }

  /** Fills row `r` as a rejected row with no usable fields. */
  rejectRow(r: number, reason: number, raw: string): void {
    this.setRow(r, -1, NO_DAY, Number.NaN, Number.NaN, 0, 0, reason);
    this.rejectedRaw.set(r, raw);
  }

  /** Writes every column of row `r`. */
  setRow(r: number, meter: number, end: number, value: number, override: number, source: number, verification: number, reject: number): void {
    this.meter[r] = meter;
    this.end[r] = end;
    this.value[r] = value;
    this.override[r] = override;
    this.source[r] = source;
    this.verification[r] = verification;
    this.reject[r] = reject;
  }

  /** The batch of the rows written so far; the builder starts a new, empty batch. */
  finish(): ReadingBatch {
    const n = this.rows;
    const batch = new DecodedBatch(this, n);
    this.allocate();
    return batch;
  }

  private allocate(): void {
    const n = this.capacity;
    this.rows = 0;
    this.line = new Float64Array(n);
    this.meter = new Int32Array(n);
    this.end = new Int32Array(n);
    this.value = new Float64Array(n);
    this.override = new Float64Array(n);
    this.source = new Uint8Array(n);
    this.verification = new Uint8Array(n);
    this.reject = new Uint8Array(n);
    this.rejectedRaw = new Map();
    if (this.pulse !== undefined) this.pulse = createPulseColumns(n);
    if (this.sensorRow !== undefined) this.sensorRow = new Uint8Array(n);
    if (this.sensors !== undefined) this.sensors = new SensorValueList(this.sensors.length);
    this.lastSegment = null;
    if (this.mode === "bytes") {
      this.rawSegment = new Int32Array(n);
      this.rawStart = new Int32Array(n);
      this.rawEnd = new Int32Array(n);
      this.segments = [];
      this.segmentBase = [];
    } else {
      this.rawValue = [];
      this.rawIndex = new Int32Array(n);
    }
  }
}

class DecodedBatch implements ReadingBatch {
  length: number;
  readonly line: Float64Array;
  readonly meter: Int32Array;
  readonly end: Int32Array;
  readonly value: Float64Array;
  readonly override: Float64Array;
  readonly source: Uint8Array;
  readonly verification: Uint8Array;
  readonly reject: Uint8Array;
  readonly pulse?: PulseReadingColumns;
  readonly sensorRow?: Uint8Array;
  readonly sensors?: SensorValues;
  readonly rejectedRaw: Map<number, string>;
  readonly meters: MeterIndex;
  private readonly raw: (row: number) => string;

  constructor(b: BatchBuilder, n: number) {
    this.length = n;
    this.line = b.line.subarray(0, n);
    this.meter = b.meter.subarray(0, n);
    this.end = b.end.subarray(0, n);
    this.value = b.value.subarray(0, n);
    this.override = b.override.subarray(0, n);
    this.source = b.source.subarray(0, n);
    this.verification = b.verification.subarray(0, n);
    this.reject = b.reject.subarray(0, n);
    if (b.pulse !== undefined) this.pulse = slicePulseColumns(b.pulse, n);
    if (b.sensorRow !== undefined) this.sensorRow = b.sensorRow.subarray(0, n);
    if (b.sensors !== undefined) this.sensors = b.sensors.view();
    this.rejectedRaw = b.rejectedRaw;
    this.meters = b.meters;
    if (b.mode === "bytes" && b.rawFile !== undefined) {
      this.raw = rawFromFile(b.rawFile, b.segmentBase, b.rawSegment, b.rawStart, b.rawEnd, n);
    } else if (b.mode === "bytes") {
      const { segments, rawSegment, rawStart, rawEnd } = b;
      this.raw = (row) => utf8.decode(segments[rawSegment[row]].subarray(rawStart[row], rawEnd[row]));
    } else {
      const { rawValue, rawIndex } = b;
      this.raw = (row) => recordJson(rawValue[row], rawIndex[row]);
    }
  }

  rawOf(row: number): string {
    if (!(Number.isInteger(row) && row >= 0 && row < this.length)) throw new RangeError(`row ${row} out of range`);
    return this.rejectedRaw.get(row) ?? this.raw(row);
  }
}

/**
 * A batch's raw text read back from its file: on the first ask, the bytes of all its rows (they
 * lie one after another) in one read, kept with the batch; then each row's is a slice. Rows'
 * raw text is asked for rarely (rejected rows), and its bytes were not kept: the decoder's
 * window reused its storage. IngestError `MF_ERR_INPUT_READ` when the file cannot be read there
 * (or has become shorter).
 */
function rawFromFile(path: string, segmentBase: readonly number[], rawSegment: Int32Array, rawStart: Int32Array, rawEnd: Int32Array,
  n: number): (row: number) => string {
  let span: Uint8Array | undefined;
  let from = 0;
  return (row) => {
    if (span === undefined) {
      from = segmentBase[rawSegment[0]] + rawStart[0];
      span = readRange(path, from, segmentBase[rawSegment[n - 1]] + rawEnd[n - 1]);
    }
    const at = segmentBase[rawSegment[row]] + rawStart[row] - from;
    return utf8.decode(span.subarray(at, at + rawEnd[row] - rawStart[row]));
  };
}

/** Bytes [from, to) of a file. */
function readRange(path: string, from: number, to: number): Uint8Array {
  const out = Buffer.allocUnsafe(to - from);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    for (let at = 0; at < out.length;) {
      const n = readSync(fd, out, at, out.length - at, from + at);
      if (n === 0) throw new Error(`it ends before byte ${from + at}: changed since it was read`);
      at += n;
    }
  } catch (error) {
    throw new IngestError("MF_ERR_INPUT_READ", `cannot read rows' raw text back from ${path}: ${(error as Error).message}`, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return out;
}

/** JSON of a decoded record, or of row `index` of a columnar record (index >= 0). */
export function recordJson(record: unknown, index: number): string {
  if (index < 0) return safeJson(record);
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(record as Record<string, unknown>)) {
    row[key] = isColumn(column) ? (column as ArrayLike<unknown>)[index] : column;
  }
  return safeJson(row);
}

/**
 * An array or typed array: a column of a columnar msgpack batch. Not bytes (msgpack bin, decoded
 * as a Uint8Array): bytes hold no rows, and where a number or text belongs they are a bad value.
 */
export function isColumn(value: unknown): boolean {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof Uint8Array));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, replacer) ?? String(value);
  } catch {
    return String(value);
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array) return `0x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}
