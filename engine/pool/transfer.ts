// A batch's slice as it crosses to a decision thread: every column a typed array (copied by the
// structured clone, the caller keeps its own), meter ids as one table the `meter` column indexes,
// no functions. The thread turns it back into the DecideInput the pure decision takes.
import type { DecideInput } from "../decide/decide.js";
import { renumber } from "../decide/renumber.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import type { PulseReadingColumns } from "../ingest/pulse-fields.js";
import type { SensorValues } from "../ingest/sensor-values.js";
import type { MeterTable } from "../store/meter-table.js";

/** A ReadingBatch without its functions and run-wide meter index. */
export interface BatchColumns {
  length: number;
  /** Meter ids of the batch; `meter[row]` indexes this table (-1: none). */
  ids: PackedStrings;
  meter: Int32Array;
  line: Float64Array;
  end: Int32Array;
  value: Float64Array;
  override: Float64Array;
  source: Uint8Array;
  verification: Uint8Array;
  photo?: Uint8Array;
  reject: Uint8Array;
  pulse?: PulseReadingColumns;
  sensorRow?: Uint8Array;
  sensors?: SensorValues;
  release?: { rows: Uint8Array; reason: string; actor: string };
}

/** Strings as one string and their ends: cloned as one value, not one per meter. */
export interface PackedStrings {
  text: string;
  ends: Int32Array;
}

/** Strings with few distinct values (meter types, units) as a dictionary and codes. */
export interface CodedStrings {
  values: string[];
  codes: Uint16Array;
}

/** The registry columns of the slice with its per-meter strings packed. */
export type PackedMeters = Omit<MeterTable, "ids" | "keyOf" | "type" | "unit"> & { ids: PackedStrings; type: CodedStrings; unit: CodedStrings };

/** The slice as sent: the batch as columns, the registry's strings packed, the rest of DecideInput as it is. */
export type SliceTask = Omit<DecideInput, "batch" | "meters"> & { batch: BatchColumns; meters: PackedMeters };

export function pack(strings: readonly string[]): PackedStrings {
  const ends = new Int32Array(strings.length);
  let at = 0;
  strings.forEach((s, i) => (ends[i] = at += s.length));
  return { text: strings.join(""), ends };
}

export function unpack(p: PackedStrings): string[] {
  const out = new Array<string>(p.ends.length);
  let start = 0;
  for (let i = 0; i < p.ends.length; i++) out[i] = p.text.slice(start, (start = p.ends[i]));
  return out;
}

function code(strings: readonly string[]): CodedStrings {
  const index = new Map<string, number>();
  const codes = new Uint16Array(strings.length);
  for (let i = 0; i < strings.length; i++) {
    let c = index.get(strings[i]);
    if (c === undefined) index.set(strings[i], (c = index.size));
    codes[i] = c;
  }
  return { values: [...index.keys()], codes };
}

function decode(c: CodedStrings): string[] {
  const n = c.codes.length;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = c.values[c.codes[i]];
  return out;
}

export function toTask(input: DecideInput): SliceTask {
  const b = input.batch;
  const n = b.length;
  // The batch's meters numbered locally, with their ids in that order.
  const { local: meter, order } = renumber(b.meter, n, b.meters.size);
  const ids = Array.from(order, (m) => b.meters.idOf(m));
  const sensors = b.sensors === undefined ? undefined : {
    length: b.sensors.length, row: b.sensors.row.subarray(0, b.sensors.length), channel: b.sensors.channel.subarray(0, b.sensors.length),
    time: b.sensors.time.subarray(0, b.sensors.length), value: b.sensors.value.subarray(0, b.sensors.length),
  };
  const batch: BatchColumns = {
    length: n, ids: pack(ids), meter, line: b.line.subarray(0, n), end: b.end.subarray(0, n), value: b.value.subarray(0, n),
    override: b.override.subarray(0, n), source: b.source.subarray(0, n), verification: b.verification.subarray(0, n),
    reject: b.reject.subarray(0, n),
    ...(b.pulse === undefined ? {} : { pulse: b.pulse }),
    ...(b.sensorRow === undefined ? {} : { sensorRow: b.sensorRow.subarray(0, n) }),
    ...(sensors === undefined ? {} : { sensors }),
    ...(b.release === undefined ? {} : { release: b.release }),
    ...(b.photo === undefined ? {} : { photo: b.photo.subarray(0, n) }),
  };
  const { ids: meterIds, type, unit } = input.meters;
  // The numeric columns by name: `keyOf` may be a getter that builds a map (slice.ts), not read here.
  const numeric: Record<string, unknown> = {};
  for (const key of Object.keys(input.meters)) {
    if (key !== "ids" && key !== "keyOf" && key !== "type" && key !== "unit") numeric[key] = input.meters[key as keyof MeterTable];
  }
  return { ...input, batch, meters: { ...(numeric as Omit<PackedMeters, "ids" | "type" | "unit">), ids: pack(meterIds), type: code(type), unit: code(unit) } };
}

/**
 * The meter index of a batch from its id table. The decision only names meters (`idOf`), so ids
 * are unpacked when first named and nothing is hashed; interning (never done by the decision)
 * builds the map on first use.
 */
class TableIndex implements MeterIndex {
  readonly #packed: PackedStrings;
  #ids: string[] | undefined;
  #keyOf: Map<string, number> | undefined;

  constructor(packed: PackedStrings) {
    this.#packed = packed;
  }

  get size(): number {
    return this.#ids?.length ?? this.#packed.ends.length;
  }

  idOf(index: number): string {
    return (this.#ids ??= unpack(this.#packed))[index];
  }

  intern(id: string): number {
    const ids = (this.#ids ??= unpack(this.#packed));
    const keyOf = (this.#keyOf ??= new Map(ids.map((x, k) => [x, k])));
    let k = keyOf.get(id);
    if (k === undefined) {
      keyOf.set(id, (k = ids.length));
      ids.push(id);
    }
    return k;
  }

  internBytes(buf: Uint8Array, start: number, end: number): number {
    return this.intern(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("utf8"));
  }
}

/** The DecideInput of a task, in the deciding thread. */
export function fromTask(task: SliceTask): DecideInput {
  const c = task.batch;
  const batch: ReadingBatch = {
    length: c.length, line: c.line, meter: c.meter, end: c.end, value: c.value, override: c.override, source: c.source,
    verification: c.verification, reject: c.reject, rejectedRaw: new Map(), rawOf: () => "", meters: new TableIndex(c.ids),
    ...(c.pulse === undefined ? {} : { pulse: c.pulse }),
    ...(c.sensorRow === undefined ? {} : { sensorRow: c.sensorRow }),
    ...(c.sensors === undefined ? {} : { sensors: c.sensors }),
    ...(c.release === undefined ? {} : { release: c.release }),
    ...(c.photo === undefined ? {} : { photo: c.photo }),
  };
  const { ids: packedIds, type, unit, ...numeric } = task.meters;
  const ids = unpack(packedIds);
  let keyOf: Map<string, number> | undefined;
  // The decision reads meters by key; a meter's key by id is built only if something asks.
  const table: MeterTable = Object.defineProperty({ ...numeric, ids, type: decode(type), unit: decode(unit) }, "keyOf", {
    get: () => (keyOf ??= new Map(ids.map((id, k) => [id, k]))), enumerable: true,
  }) as unknown as MeterTable;
  return { ...task, batch, meters: table };
}
