// A batch's slice as it crosses to a decision thread: every column a typed array (copied by the
// structured clone, the caller keeps its own), rows naming their meters by slice key (the ids are
// the slice registry's, one packed table), only unknown meters' ids apart, no functions. The
// thread turns it back into the DecideInput the pure decision takes.
import type { DecideInput } from "../decide/decide.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import type { PulseReadingColumns } from "../ingest/pulse-fields.js";
import type { SensorValues } from "../ingest/sensor-values.js";
import { MeterIds } from "../runtime/meter-ids.js";
import { idsAsList } from "../store/meter-table.js";
import type { MeterIdColumn, MeterTable } from "../store/meter-table.js";

/** A ReadingBatch without its functions and run-wide meter index. */
export interface BatchColumns {
  length: number;
  /**
   * The ids of the batch's meters the slice does not hold (unknown meters; usually none). A row's
   * `meter` is its slice key when the slice holds its meter (the id is the slice registry's),
   * the slice's size + j for `ids`' entry j, or -1 (no meter).
   */
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
  release?: ReadingBatch["release"];
}

/**
 * Strings as one value and their ends: cloned as one value, not one per meter. A working set's
 * meter ids travel as the UTF-8 bytes it holds them in (`utf8`, ends in bytes); other strings of
 * Latin-1 characters only as their bytes (`latin1`), anything else as one joined string (`text`),
 * both with ends in UTF-16 units.
 */
export interface PackedStrings {
  text?: string;
  latin1?: Uint8Array;
  utf8?: Uint8Array;
  ends: Int32Array;
}

/** The registry columns of the slice with its ids packed (types and units are coded already). */
export type PackedMeters = Omit<MeterTable, "ids" | "keyOf"> & { ids: PackedStrings };

/** The slice as sent: the batch as columns, the registry's strings packed, the rest of DecideInput as it is. */
export type SliceTask = Omit<DecideInput, "batch" | "meters"> & { batch: BatchColumns; meters: PackedMeters };

export function pack(strings: readonly string[]): PackedStrings {
  const n = strings.length;
  const ends = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) ends[i] = total += strings[i].length;
  // Character codes copied into bytes: measured 5-10x cheaper than join("") on 62,500 short ids.
  const latin1 = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c > 0xff) return { text: strings.join(""), ends };
      latin1[at++] = c;
    }
  }
  return { latin1, ends };
}

export function unpack(p: PackedStrings): string[] {
  if (p.utf8 !== undefined) {
    const ids = MeterIds.over(p.utf8, p.ends);
    return Array.from({ length: p.ends.length }, (_, k) => ids.get(k));
  }
  const text = p.text ?? (p.latin1 === undefined ? "" : Buffer.from(p.latin1.buffer, p.latin1.byteOffset, p.latin1.length).toString("latin1"));
  const out = new Array<string>(p.ends.length);
  let start = 0;
  for (let i = 0; i < p.ends.length; i++) out[i] = text.slice(start, (start = p.ends[i]));
  return out;
}

/**
 * The task of `input`. With `handOver` (the slice's columns were cut for this call, runtime/slice.ts)
 * the registry's ids are sent as the views they are, to be transferred; otherwise copied.
 */
export function toTask(input: DecideInput, handOver = false): SliceTask {
  const b = input.batch;
  const n = b.length;
  // Rows name their meters by slice key (ids are the slice registry's, sent anyway): no string
  // made, nothing renumbered per meter here. Only unknown meters' ids travel, after the slice's keys.
  const keys = input.keys;
  const size = input.meters.size;
  const meter = new Int32Array(n);
  const ids: string[] = [];
  let unknown: Map<number, number> | undefined;
  for (let row = 0; row < n; row++) {
    const k = keys[row];
    const m = b.meter[row];
    if (k >= 0) meter[row] = k;
    else if (m < 0) meter[row] = -1;
    else {
      let u = (unknown ??= new Map()).get(m);
      if (u === undefined) {
        unknown.set(m, (u = ids.length));
        ids.push(b.meters.idOf(m));
      }
      meter[row] = size + u;
    }
  }
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
  // The columns by name: `keyOf` may be a getter that builds a map (slice.ts), not read here.
  const columns: Record<string, unknown> = {};
  for (const key of Object.keys(input.meters)) {
    if (key !== "ids" && key !== "keyOf") columns[key] = input.meters[key as keyof MeterTable];
  }
  return { ...input, batch, meters: { ...(columns as Omit<PackedMeters, "ids">), ids: packIds(input.meters.ids, input.meters.size, handOver) } };
}

/** A registry's ids packed: a working set's bytes as they are (views with `handOver`, else copies), other ids by `pack`. */
function packIds(ids: MeterIdColumn, size: number, handOver: boolean): PackedStrings {
  if (!(ids instanceof MeterIds) || ids.size !== size) return pack(idsAsList(ids, size));
  const { bytes, ends } = ids.packed();
  return handOver ? { utf8: bytes, ends } : { utf8: bytes.slice(), ends: ends.slice() };
}

/**
 * The meter index of a batch in a deciding thread: index k < the slice's size is the slice
 * registry's meter k, the rest the unknown meters' table, unpacked when first named. The decision
 * only names meters (`idOf`): nothing is hashed. Interning (never done by the decision) builds
 * the list and map on first use.
 */
class TableIndex implements MeterIndex {
  readonly #registry: MeterIdColumn;
  readonly #size: number;
  readonly #packed: PackedStrings;
  #unknown: string[] | undefined;
  #ids: string[] | undefined;
  #keyOf: Map<string, number> | undefined;

  constructor(registry: MeterIdColumn, size: number, packed: PackedStrings) {
    this.#registry = registry;
    this.#size = size;
    this.#packed = packed;
  }

  get size(): number {
    return this.#ids?.length ?? this.#size + this.#packed.ends.length;
  }

  idOf(index: number): string {
    if (this.#ids !== undefined) return this.#ids[index];
    return index < this.#size ? this.#registry.get(index) : (this.#unknown ??= unpack(this.#packed))[index - this.#size];
  }

  intern(id: string): number {
    const ids = (this.#ids ??= Array.from({ length: this.size }, (_, l) => this.idOf(l)));
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

/**
 * The DecideInput of a task, in the deciding thread. The registry's ids stay packed until
 * something reads them (types and units are coded): the columnar decision names a meter only for
 * a held reading, an alert, a release or a row judged one by one, so a slice of billable
 * readings makes no string per meter here.
 */
export function fromTask(task: SliceTask): DecideInput {
  const c = task.batch;
  const { ids: packedIds, ...numeric } = task.meters;
  const ids = registryIds(packedIds);
  const batch: ReadingBatch = {
    length: c.length, line: c.line, meter: c.meter, end: c.end, value: c.value, override: c.override, source: c.source,
    verification: c.verification, reject: c.reject, rejectedRaw: new Map(), rawOf: () => "",
    meters: new TableIndex(ids, numeric.size, c.ids),
    ...(c.pulse === undefined ? {} : { pulse: c.pulse }),
    ...(c.sensorRow === undefined ? {} : { sensorRow: c.sensorRow }),
    ...(c.sensors === undefined ? {} : { sensors: c.sensors }),
    ...(c.release === undefined ? {} : { release: c.release }),
    ...(c.photo === undefined ? {} : { photo: c.photo }),
  };
  let keyOf: Map<string, number> | undefined;
  const table = Object.defineProperties({ ...numeric }, {
    ids: { value: ids, enumerable: true },
    // A meter's key by id is built only if something asks.
    keyOf: { get: () => (keyOf ??= new Map(Array.from({ length: numeric.size }, (_, k) => [ids.get(k), k]))), enumerable: true },
  }) as unknown as MeterTable;
  return { ...task, batch, meters: table };
}

/** The registry's ids in the deciding thread: bytes read in place, other packings unpacked when first asked. */
function registryIds(packed: PackedStrings): MeterIdColumn {
  if (packed.utf8 !== undefined) return MeterIds.over(packed.utf8, packed.ends);
  let list: string[] | undefined;
  return { get: (k: number) => (list ??= unpack(packed))[k] };
}

/**
 * The distinct ArrayBuffers under the typed arrays of `holders` (each an object of columns, or a
 * column): what a thread can hand over rather than copy. Shared buffers are left out. Only
 * buffers the sender never touches again may be listed (transferring detaches them on the
 * sending side): never a view of WebAssembly memory or of a caller's column.
 */
export function ownBuffers(...holders: unknown[]): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const add = (value: unknown) => {
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  };
  for (const holder of holders) {
    if (holder === undefined || holder === null) continue;
    if (ArrayBuffer.isView(holder)) add(holder);
    else for (const value of Object.values(holder as object)) add(value);
  }
  return [...found];
}
