// Groups the valid rows of ingest batches by partition (the store's partitionOf) into wire
// batches sized under a byte budget. Rows are gathered per partition over a window (the whole
// file up to WINDOW_BYTES), then cut in the order of the store's buckets, a meter's rows together
// in end order (cut between meters: a meter's rows of the window are in one message where they
// fit, as `meterflow run` decides them together), so each message holds whole runs of buckets: a
// worker loads and commits the state of a third of a partition's buckets for a third of its
// readings, not all of them three times (what `meterflow run`'s bucket routing does for a run).
// Batching depends only on the rows, the budget and the window, never on timing, so publishing
// the same file again cuts the same batches (and gives the same ids).
// Files read as one stream (one meter index, each row's line naming its file) share the window,
// as `meterflow run` routes its files together; another stream's batches cut what is pending.
import type { ReadingBatch } from "../ingest/batch.js";
import { createPulseColumns, PULSE_ROW_COLUMNS } from "../ingest/pulse-fields.js";
import type { PulseReadingColumns } from "../ingest/pulse-fields.js";
import { BUCKETS_PER_PARTITION, meterHash } from "../store/contract.js";
import type { MeterIndex } from "../ingest/meter-index.js";
import { fileNameBytes, idTable } from "./wire.js";
import type { WireBatch, WireSensors } from "./wire.js";

/** Bytes of a message besides its columns: field names, the file name's length excepted. */
const OVERHEAD = 512;
/** The fewest bytes a row adds to the estimate: meter, end, value, line. */
const MIN_ROW_BYTES = 4 + 4 + 8 + 8;
/** Bytes per channel value: row, channel, time, value. */
const SENSOR_BYTES = 4 + 2 + 8 + 8;
/** The most bytes a row can take (PartitionRows.bytes with every optional column). */
const MAX_ROW_BYTES = 4 + 4 + 8 + 8 + 8 + 2 + 1 + 8 * PULSE_ROW_COLUMNS.length;
/** Rows gathered (over all partitions, at MIN_ROW_BYTES each) before they are cut into messages. */
const WINDOW_BYTES = 32 << 20;

/** One partition's rows of the current file, growing. */
class PartitionRows {
  length = 0;
  /** Meter index (in the ingest MeterIndex) of each id-table entry. */
  globals: Int32Array;
  idCount = 0;
  idBytes = 0;
  meter: Int32Array;
  end: Int32Array;
  value: Float64Array;
  line: Float64Array;
  override: Float64Array;
  source: Uint8Array;
  verification: Uint8Array;
  sensorRow: Uint8Array | undefined;
  pulse: PulseReadingColumns | undefined;
  sensors: { row: number[]; channel: number[]; time: number[]; value: number[] } | undefined;
  hasOverride = false;

  /** Tells this partition batch's entries in the batcher's per-meter caches from older ones. */
  readonly serial: number;

  constructor(serial: number, capacity = 1024) {
    this.serial = serial;
    this.globals = new Int32Array(capacity);
    this.meter = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.line = new Float64Array(capacity);
    this.override = new Float64Array(capacity);
    this.source = new Uint8Array(capacity);
    this.verification = new Uint8Array(capacity);
  }

  /** The encoded size, within a few bytes per row (an upper bound on the columns). */
  bytes(): number {
    const perRow = 4 + 4 + 8 + 8 + (this.hasOverride ? 8 : 0) + 2 + (this.sensorRow ? 1 : 0) + (this.pulse ? 8 * PULSE_ROW_COLUMNS.length : 0);
    return this.length * perRow + this.idBytes + (this.sensors ? this.sensors.row.length * SENSOR_BYTES : 0);
  }

  grow(): void {
    const n = this.meter.length * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.meter = grow(this.meter);
    this.globals = grow(this.globals);
    this.end = grow(this.end);
    this.value = grow(this.value);
    this.line = grow(this.line);
    this.override = grow(this.override);
    this.source = grow(this.source);
    this.verification = grow(this.verification);
    if (this.sensorRow) this.sensorRow = grow(this.sensorRow);
    if (this.pulse) {
      const p = {} as Record<string, Float64Array>;
      for (const k of PULSE_ROW_COLUMNS) {
        p[k] = new Float64Array(n).fill(Number.NaN);
        p[k].set(this.pulse[k]);
      }
      this.pulse = p as unknown as PulseReadingColumns;
    }
  }
}

/** Options of PartitionBatcher. */
export interface BatcherOptions {
  /** The store's partition count. */
  partitions: number;
  /** Upper bound of a message's payload in bytes (the server's max payload less headers). */
  maxBytes: number;
  /** Channel names by the index ingest gives them (ReadReadingsOptions.channels). */
  channels?: string[];
  /** Rows gathered before they are cut, in bytes at MIN_ROW_BYTES a row (default 32 MiB, ~1.4M readings). */
  windowBytes?: number;
}

/** Cuts valid rows into per-partition wire batches under `maxBytes`, in bucket order. */
export class PartitionBatcher {
  readonly #partitions: number;
  readonly #maxBytes: number;
  readonly #channels: string[];
  readonly #windowRows: number;
  /** Per partition: its rows of the window so far (`meter` holds MeterIndex indices). */
  #window: Array<PartitionRows | undefined>;
  #windowed = 0;
  readonly #channelBytes: number;
  #files: readonly string[] = [];
  #budget = 0;
  /** Per meter index of the current MeterIndex: its bucket (-1: not computed yet). */
  #bucket = new Int32Array(0);
  /** Per meter: its index in the id table of the partition batch `#owner` names. */
  #local = new Int32Array(0);
  #owner = new Int32Array(0);
  #serial = 0;
  readonly #capacity: number;
  #meters: ReadingBatch["meters"] | undefined;

  constructor(options: BatcherOptions) {
    this.#partitions = options.partitions;
    this.#maxBytes = options.maxBytes;
    this.#channels = options.channels ?? [];
    this.#channelBytes = this.#channels.reduce((n, name) => n + Buffer.byteLength(name) + 5, 0);
    this.#window = new Array(options.partitions).fill(undefined);
    this.#windowRows = Math.max(1, Math.floor((options.windowBytes ?? WINDOW_BYTES) / MIN_ROW_BYTES));
    // Every row costs at least MIN_ROW_BYTES, so a batch never outgrows this (no copies while filling).
    this.#capacity = Math.max(16, Math.ceil(options.maxBytes / MIN_ROW_BYTES) + 1);
  }

  /**
   * Adds the valid rows (reject 0) of an ingest batch read from `files` (one file, or several read
   * as one stream: each row's line names its file); returns the wire batches cut (when the window
   * filled, and, when the files changed, every batch of the previous ones).
   */
  add(batch: ReadingBatch, files: readonly string[]): WireBatch[] {
    // A message names its files and one meter index: other files (or index) cut what is pending.
    const same = sameFiles(files, this.#files);
    const out: WireBatch[] = same && batch.meters === this.#meters ? [] : this.flush();
    if (!same) {
      this.#files = files;
      this.#budget = this.#maxBytes - OVERHEAD - files.reduce((n, f) => n + fileNameBytes(f), 0) - this.#channelBytes;
    }
    if (batch.meters !== this.#meters) {
      // Another file's meter index: its indices mean other meters.
      this.#meters = batch.meters;
      this.#bucket = new Int32Array(0);
      this.#local = new Int32Array(0);
      this.#owner = new Int32Array(0);
    }
    const { meters, reject, meter, end, value, line, override, source, verification, sensorRow, pulse, sensors } = batch;
    const P = this.#partitions;
    const buckets = P * BUCKETS_PER_PARTITION;
    // Channel values by row: ingest pushes them in row order; `at` walks them.
    let at = 0;
    const sensorRows = sensors?.row;
    const sensorCount = sensors?.length ?? 0;
    for (let r = 0; r < batch.length; r++) {
      if (reject[r] !== 0) {
        while (at < sensorCount && sensorRows![at] <= r) at++;
        continue;
      }
      const m = meter[r];
      if (m >= this.#bucket.length) this.#growCaches(meters.size);
      let b = this.#bucket[m];
      if (b < 0) b = this.#bucket[m] = (meters.hashOf?.(m) ?? meterHash(meters.idOf(m))) % buckets;
      const p = b % P;
      let rows = this.#window[p];
      if (rows === undefined) rows = this.#window[p] = new PartitionRows(0, 1024);
      if (rows.length === rows.meter.length) rows.grow();
      const i = rows.length++;
      rows.meter[i] = m;
      rows.end[i] = end[r];
      rows.value[i] = value[r];
      rows.line[i] = line[r];
      rows.override[i] = override[r];
      rows.source[i] = source[r];
      rows.verification[i] = verification[r];
      if (sensorRow !== undefined && sensorRow[r] !== 0) {
        rows.sensorRow ??= new Uint8Array(rows.meter.length);
        rows.sensorRow[i] = 1;
      }
      if (pulse !== undefined) {
        let any = rows.pulse !== undefined;
        for (let q = 0; q < PULSE_ROW_COLUMNS.length && !any; q++) any = pulse[PULSE_ROW_COLUMNS[q]][r] === pulse[PULSE_ROW_COLUMNS[q]][r];
        if (any) {
          rows.pulse ??= createPulseColumns(rows.meter.length);
          for (const q of PULSE_ROW_COLUMNS) rows.pulse[q][i] = pulse[q][r];
        }
      }
      while (at < sensorCount && sensorRows![at] < r) at++;
      while (at < sensorCount && sensorRows![at] === r) {
        rows.sensors ??= { row: [], channel: [], time: [], value: [] };
        rows.sensors.row.push(i);
        rows.sensors.channel.push(sensors!.channel[at]);
        rows.sensors.time.push(sensors!.time[at]);
        rows.sensors.value.push(sensors!.value[at]);
        at++;
      }
      if (++this.#windowed >= this.#windowRows) out.push(...this.flush());
    }
    return out;
  }

  /** Cuts every partition's rows of the window (in partition order). */
  flush(): WireBatch[] {
    const out: WireBatch[] = [];
    for (let p = 0; p < this.#partitions; p++) {
      const rows = this.#window[p];
      if (rows !== undefined && rows.length > 0) this.#cutInBucketOrder(p, rows, out);
      this.#window[p] = undefined;
    }
    this.#windowed = 0;
    return out;
  }

  /** A partition's window rows, stably sorted by bucket, cut into batches under the budget. */
  #cutInBucketOrder(partition: number, w: PartitionRows, out: WireBatch[]): void {
    const n = w.length;
    const P = this.#partitions;
    // Two stable counting sorts: by meter, then by the bucket's place among the partition's
    // buckets. A meter's rows of the window are then next to each other, in their order.
    let meters = 0;
    for (let i = 0; i < n; i++) if (w.meter[i] >= meters) meters = w.meter[i] + 1;
    const byMeter = new Int32Array(meters + 1);
    for (let i = 0; i < n; i++) byMeter[w.meter[i] + 1]++;
    for (let m = 0; m < meters; m++) byMeter[m + 1] += byMeter[m];
    const first = new Int32Array(n);
    for (let i = 0; i < n; i++) first[byMeter[w.meter[i]]++] = i;
    const count = new Int32Array(BUCKETS_PER_PARTITION + 1);
    for (let i = 0; i < n; i++) count[((this.#bucket[w.meter[i]] / P) | 0) + 1]++;
    for (let b = 0; b < BUCKETS_PER_PARTITION; b++) count[b + 1] += count[b];
    const order = new Int32Array(n);
    for (let f = 0; f < n; f++) {
      const i = first[f];
      order[count[(this.#bucket[w.meter[i]] / P) | 0]++] = i;
    }
    // A meter's rows in end order (file order within a day): when they need more than one message,
    // the later message holds later days, decided as new ones, not as late ones.
    for (let a = 0; a < n;) {
      let b = a + 1;
      while (b < n && w.meter[order[b]] === w.meter[order[a]]) b++;
      if (b - a > 1) order.subarray(a, b).sort((x, y) => w.end[x] - w.end[y] || w.line[x] - w.line[y]);
      a = b;
    }
    // Channel values of window row i: sensorAt[i] .. sensorAt[i + 1] (pushed in row order).
    let sensorAt: Int32Array | undefined;
    if (w.sensors !== undefined) {
      sensorAt = new Int32Array(n + 1);
      for (const row of w.sensors.row) sensorAt[row + 1]++;
      for (let i = 0; i < n; i++) sensorAt[i + 1] += sensorAt[i];
    }
    const index = this.#meters!;
    let rows = new PartitionRows(++this.#serial, this.#capacity);
    let idLength = 0;
    for (let o = 0; o < n; o++) {
      const i = order[o];
      const m = w.meter[i];
      if (o === 0 || w.meter[order[o - 1]] !== m) {
        idLength = this.#idLength(index, m);
        // A meter's rows go into one message where they fit (`meterflow run` decides a meter's
        // readings of a window together): a message that would not hold the next meter's is cut first.
        if (rows.length > 0) {
          let e = o + 1;
          while (e < n && w.meter[order[e]] === m) e++;
          let need = (e - o) * MAX_ROW_BYTES + idLength + 4;
          if (sensorAt !== undefined) for (let q = o; q < e; q++) need += (sensorAt[order[q] + 1] - sensorAt[order[q]]) * SENSOR_BYTES;
          if (rows.bytes() + need > this.#budget) {
            out.push(this.#cut(partition, rows));
            rows = new PartitionRows(++this.#serial, this.#capacity);
          }
        }
      }
      let k = this.#local[m];
      if (this.#owner[m] !== rows.serial) {
        k = this.#local[m] = rows.idCount++;
        this.#owner[m] = rows.serial;
        rows.globals[k] = m;
        rows.idBytes += idLength + 4;
      }
      if (rows.length === rows.meter.length) rows.grow();
      const j = rows.length++;
      rows.meter[j] = k;
      rows.end[j] = w.end[i];
      rows.value[j] = w.value[i];
      rows.line[j] = w.line[i];
      const ov = w.override[i];
      rows.override[j] = ov;
      if (ov === ov) rows.hasOverride = true;
      rows.source[j] = w.source[i];
      rows.verification[j] = w.verification[i];
      if (w.sensorRow !== undefined && w.sensorRow[i] !== 0) {
        rows.sensorRow ??= new Uint8Array(rows.meter.length);
        rows.sensorRow[j] = 1;
      }
      if (w.pulse !== undefined) {
        let any = rows.pulse !== undefined;
        for (let q = 0; q < PULSE_ROW_COLUMNS.length && !any; q++) any = w.pulse[PULSE_ROW_COLUMNS[q]][i] === w.pulse[PULSE_ROW_COLUMNS[q]][i];
        if (any) {
          rows.pulse ??= createPulseColumns(rows.meter.length);
          for (const q of PULSE_ROW_COLUMNS) rows.pulse[q][j] = w.pulse[q][i];
        }
      }
      if (sensorAt !== undefined && sensorAt[i + 1] > sensorAt[i]) {
        const s = w.sensors!;
        rows.sensors ??= { row: [], channel: [], time: [], value: [] };
        for (let e = sensorAt[i]; e < sensorAt[i + 1]; e++) {
          rows.sensors.row.push(j);
          rows.sensors.channel.push(s.channel[e]);
          rows.sensors.time.push(s.time[e]);
          rows.sensors.value.push(s.value[e]);
        }
      }
      if (rows.bytes() >= this.#budget) {
        out.push(this.#cut(partition, rows));
        rows = new PartitionRows(++this.#serial, this.#capacity);
      }
    }
    if (rows.length > 0) out.push(this.#cut(partition, rows));
  }

  readonly #one = new Int32Array(1);

  /** An id's UTF-8 length, from the index's bytes when it holds them (no string made). */
  #idLength(meters: MeterIndex, m: number): number {
    if (meters.joinedIds === undefined) return Buffer.byteLength(meters.idOf(m));
    this.#one[0] = m;
    return meters.joinedIds(this.#one, 1).length;
  }

  #growCaches(size: number): void {
    const n = Math.max(1024, size, this.#bucket.length * 2);
    const bucket = new Int32Array(n).fill(-1);
    bucket.set(this.#bucket);
    this.#bucket = bucket;
    const local = new Int32Array(n);
    local.set(this.#local);
    this.#local = local;
    const owner = new Int32Array(n);
    owner.set(this.#owner);
    this.#owner = owner;
  }

  #cut(partition: number, r: PartitionRows): WireBatch {
    const n = r.length;
    const batch: WireBatch = {
      partition, file: this.#files[0], ...(this.#files.length > 1 ? { files: [...this.#files] } : {}), length: n, ...idBytesOf(this.#meters!, r.globals.subarray(0, r.idCount)),
      meter: r.meter.subarray(0, n), end: r.end.subarray(0, n), value: r.value.subarray(0, n), line: r.line.subarray(0, n),
      override: r.override.subarray(0, n), source: r.source.subarray(0, n), verification: r.verification.subarray(0, n),
    };
    if (r.sensorRow) batch.sensorRow = r.sensorRow.subarray(0, n);
    if (r.pulse) {
      const p = {} as Record<string, Float64Array>;
      for (const k of PULSE_ROW_COLUMNS) p[k] = r.pulse[k].subarray(0, n);
      batch.pulse = p as unknown as PulseReadingColumns;
    }
    if (r.sensors) {
      const s: WireSensors = {
        channels: this.#channels, length: r.sensors.row.length, row: Int32Array.from(r.sensors.row),
        channel: Uint16Array.from(r.sensors.channel), time: Float64Array.from(r.sensors.time), value: Float64Array.from(r.sensors.value),
      };
      batch.sensors = s;
    }
    return batch;
  }
}

function sameFiles(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((f, i) => f === b[i]));
}

/** The id table of meters `globals` of `meters`: their bytes as the index holds them when it can give them. */
function idBytesOf(meters: MeterIndex, globals: Int32Array): { idBytes: Uint8Array; idEnds: Int32Array } {
  const n = globals.length;
  const joined = meters.joinedIds?.(globals, n);
  if (joined !== undefined) {
    // Joined by "\n": usable when no id holds one (exactly n - 1 separators).
    let separators = 0;
    for (let i = 0; i < joined.length; i++) if (joined[i] === 0x0a) separators++;
    if (separators === n - 1) {
      const idBytes = new Uint8Array(joined.length - Math.max(0, n - 1));
      const idEnds = new Int32Array(n);
      let at = 0;
      let k = 0;
      for (let i = 0; i < joined.length; i++) {
        const c = joined[i];
        if (c === 0x0a) idEnds[k++] = at;
        else idBytes[at++] = c;
      }
      if (n > 0) idEnds[n - 1] = at;
      return { idBytes, idEnds };
    }
  }
  return idTable(Array.from(globals, (m) => meters.idOf(m)));
}

/** The rows [from, to) of a wire batch (its id table kept whole). */
export function sliceBatch(b: WireBatch, from: number, to: number): WireBatch {
  const out: WireBatch = {
    partition: b.partition, file: b.file, ...(b.files === undefined ? {} : { files: b.files }), length: to - from, idBytes: b.idBytes, idEnds: b.idEnds,
    meter: b.meter.subarray(from, to), end: b.end.subarray(from, to), value: b.value.subarray(from, to), line: b.line.subarray(from, to),
    override: b.override.subarray(from, to), source: b.source.subarray(from, to), verification: b.verification.subarray(from, to),
  };
  if (b.sensorRow) out.sensorRow = b.sensorRow.subarray(from, to);
  if (b.pulse) {
    const p = {} as Record<string, Float64Array>;
    for (const k of PULSE_ROW_COLUMNS) p[k] = b.pulse[k].subarray(from, to);
    out.pulse = p as unknown as PulseReadingColumns;
  }
  if (b.sensors) {
    const keep: number[] = [];
    for (let i = 0; i < b.sensors.length; i++) if (b.sensors.row[i] >= from && b.sensors.row[i] < to) keep.push(i);
    out.sensors = {
      channels: b.sensors.channels, length: keep.length, row: Int32Array.from(keep, (i) => b.sensors!.row[i] - from),
      channel: Uint16Array.from(keep, (i) => b.sensors!.channel[i]), time: Float64Array.from(keep, (i) => b.sensors!.time[i]),
      value: Float64Array.from(keep, (i) => b.sensors!.value[i]),
    };
  }
  return out;
}
