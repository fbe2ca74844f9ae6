// A window's rows ordered by bucket for routing (bucket-window.ts), in two passes so that the
// first routed batch leaves before the window is wholly reordered: the rows are first dealt into
// their routed batches in file order (a few write streams, one per routed batch), then each batch
// is put in bucket order on its own when it is taken (its rows fit the CPU's caches). One pass
// scattering every row straight to its place cost the decoding thread ~0.3 s per million rows
// before the first batch could leave.
//
// Bucket order, not partition order: a routed batch holds a run of consecutive buckets, whose
// rows lie side by side in SQLite's `buckets` table (keyed by bucket, a few per 64 KiB page), so
// each page is rewritten once per window. Sorted by partition first, a batch's buckets were
// every 16th one, each on its own page, and every page was rewritten by each of its buckets'
// batches: nightly 1M, 261 MB written to the WAL (546 MB read back) against 112 MB (111 MB).
import type { ReadingBatch, RowIds } from "../ingest/batch.js";
import { createPulseColumns, PULSE_ROW_COLUMNS } from "../ingest/pulse-fields.js";
import type { PulseReadingColumns } from "../ingest/pulse-fields.js";
import { SensorValueList, valuesByRow } from "../ingest/sensor-values.js";
import type { SensorValues } from "../ingest/sensor-values.js";
import type { MeterBuckets } from "./bucket-window.js";

/**
 * A routed batch's columns, as the worker posts them: the plain ones, and the pulse and sensor
 * columns when a batch of the window had them (a row from a batch without gives none: NaN pulse
 * fields, not a sensor row, no channel values).
 */
export interface PlainColumns {
  length: number;
  line: Float64Array;
  meter: Int32Array;
  end: Int32Array;
  value: Float64Array;
  override: Float64Array;
  source: Uint8Array;
  verification: Uint8Array;
  reject: Uint8Array;
  rejectedRaw: Map<number, string>;
  /** `reject` as the decoder left it, before the registry checks (for the batch id). */
  decoded: Uint8Array;
  /** Raw text of a row, from the batch it was decoded in. */
  rawOf(row: number): string;
  /** Per row, its meter's bucket (-1 without a meter). */
  bucket: Int32Array;
  /** Per row, its meter id's bytes, when the meter index holds bytes (ReadingBatch.rowIds). */
  rowIds?: RowIds;
  /** Some meter has rows from more than one decoded batch of the window (ReadingBatch.ranked). */
  ranked: boolean;
  pulse?: PulseReadingColumns;
  sensorRow?: Uint8Array;
  sensors?: SensorValues;
}

/** Which optional columns a window's batches carry (pulse fields, sensor rows, channel values). */
interface Extras {
  pulse: boolean;
  sensorRow: boolean;
  sensors: boolean;
}

/** A routed batch as dealt (rows in file order) with what its ordering needs. */
interface Dealt {
  columns: PlainColumns;
  /** Per row, its sort key. */
  key: Int32Array;
  /** Where each row came from (raw text), with keepRaw. */
  fromBatch?: Int32Array;
  fromRow?: Int32Array;
  /** The batch's channel values as dealt (rows: places in `columns`, in file order). */
  sensors?: SensorValueList;
}

/**
 * The rows of `batches` (in decoding order; pulse and sensor columns go with their rows) stably sorted by bucket (rows without
 * a meter first), then by each meter's rank (below), cut into batches of about
 * `batchSize` rows between buckets (inside a bucket between ranks, when its rows alone are more;
 * more only when one bucket's rows of one rank are more), yielded in that order. The first
 * `next()` deals every row; after it, the routed batches no longer need `batches` unless
 * `keepRaw`. Without `keepRaw`, a routed row's rawOf gives its raw text only when it was
 * rejected by then ("" otherwise).
 *
 * Each pass over the rows is a function of its own holding little more than its loop: V8
 * compiles a function again for each of its loops that gets hot (on-stack replacement), and
 * again when code after a loop first runs; as one generator this was compiled 13 times on the
 * nightly 1M (~185 ms of compiling threads beside the two busy ones, `--trace-opt`).
 */
export function* orderByBucket(batches: readonly ReadingBatch[], decoded: readonly Uint8Array[], buckets: MeterBuckets,
  batchSize: number, keepRaw = true): Generator<PlainColumns> {
  const plan = planOrder(batches, buckets, batchSize);
  const dealt = deal(batches, decoded, plan, keepRaw);
  const extras = extrasOf(batches);
  if (extras !== undefined) dealExtras(batches, plan, dealt, extras);
  const scratch = new Scratch();
  for (let c = 0; c < dealt.length; c++) {
    const t = dealt[c];
    dealt[c] = undefined as never;
    yield orderChunk(t, c, plan, scratch, batches);
  }
}

/** Where every row goes: its sort key, the routed batches' cuts, and each key's first place. */
interface OrderPlan {
  total: number;
  /** Ranks (decoded batches of the window): key = group * ranks + rank. */
  ranks: number;
  /** Per row (decoding order), its sort key. */
  keyOf: Int32Array;
  /** Per key: the routed place of its next row (a prefix sum of the keys' rows). */
  start: Int32Array;
  /** Per key, its routed batch. */
  chunkOfKey: Int32Array;
  /** Routed batch c holds places cuts[c] .. cuts[c + 1] - 1. */
  cuts: number[];
  /** Per routed batch, the bytes of its rows' ids (when the meter index holds bytes). */
  idBytes: Int32Array;
  ranked: boolean;
  meters: ReadingBatch["meters"];
  byteIds: boolean;
}

function planOrder(batches: readonly ReadingBatch[], buckets: MeterBuckets, batchSize: number): OrderPlan {
  let total = 0;
  for (const b of batches) total += b.length;
  const count = buckets.bucketCount;
  const meters = batches[0].meters;
  const byteIds = meters.idLength !== undefined && meters.copyId !== undefined;
  // Sort key: group * ranks + rank, group 0 for no meter, else 1 + bucket.
  const ranks = batches.length;
  const keyOf = new Int32Array(total);
  const start = new Int32Array((count + 1) * ranks + 1);
  const groupRows = new Int32Array(count + 1);
  // Bytes of the rows' ids per key, summed per routed batch once the cuts are known.
  const keyBytes = byteIds ? new Int32Array(start.length) : undefined;
  const ranked = keyRows(batches, buckets, keyOf, start, groupRows, keyBytes);
  const { cuts, chunkOfKey } = cutAtBuckets(start, groupRows, ranks, batchSize, total);
  // start[key]: the routed place of the key's first row.
  for (let k = 1; k < start.length; k++) start[k] += start[k - 1];
  const idBytes = new Int32Array(cuts.length - 1);
  if (keyBytes !== undefined) for (let key = 0; key < keyBytes.length; key++) idBytes[chunkOfKey[key]] += keyBytes[key];
  return { total, ranks, keyOf, start, chunkOfKey, cuts, idBytes, ranked, meters, byteIds };
}

/**
 * Each row's sort key (into `keyOf`), rows per key (`start[key + 1]`) and per group, and id bytes
 * per key; whether some meter has rows in more than one decoded batch.
 */
function keyRows(batches: readonly ReadingBatch[], buckets: MeterBuckets, keyOf: Int32Array, start: Int32Array,
  groupRows: Int32Array, keyBytes: Int32Array | undefined): boolean {
  const meters = batches[0].meters;
  const ranks = batches.length;
  // A meter's rank: its rows from its r-th decoded batch of the window have rank r. A bucket's
  // rows of every rank go into one batch where they fit, rank after rank (a meter's rows in file
  // order), so a backlog file of several days writes each bucket's state once per window, not
  // once a day; the decision takes a meter's readings of one batch in rounds (decide/decider.ts).
  const lastBatch = new Int32Array(meters.size).fill(-1);
  const rankOf = new Int32Array(meters.size);
  let ranked = false;
  let at = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    for (let row = 0; row < b.length; row++, at++) {
      const m = b.meter[row];
      let key = 0;
      if (m >= 0) {
        if (lastBatch[m] !== i) {
          if (lastBatch[m] < 0) {
            rankOf[m] = 0;
          } else {
            rankOf[m]++;
            ranked = true;
          }
          lastBatch[m] = i;
        }
        const group = 1 + buckets.of(m);
        key = group * ranks + rankOf[m];
        groupRows[group]++;
        if (keyBytes !== undefined) keyBytes[key] += meters.idLength!(m);
      } else {
        groupRows[0]++;
      }
      keyOf[at] = key;
      start[key + 1]++;
    }
  }
  return ranked;
}

/**
 * Routed batches: cut between buckets once a batch is full; a bucket whose rows alone are more is
 * cut between its ranks (a meter's rows of one rank are never split). `start[key + 1]` holds the
 * key's rows.
 */
function cutAtBuckets(start: Int32Array, groupRows: Int32Array, ranks: number, batchSize: number, total: number): { cuts: number[]; chunkOfKey: Int32Array } {
  const cuts: number[] = [0];
  const chunkOfKey = new Int32Array(start.length);
  let size = 0;
  let group = -1;
  for (let key = 0; key < start.length - 1; key++) {
    const rows = start[key + 1];
    if (rows === 0) continue;
    const g = Math.floor(key / ranks);
    const full = g !== group ? size + groupRows[g] > batchSize : size + rows > batchSize;
    if (size > 0 && full) {
      cuts.push(cuts[cuts.length - 1] + size);
      size = 0;
    }
    chunkOfKey[key] = cuts.length - 1;
    size += rows;
    group = g;
  }
  if (size > 0) cuts.push(total);
  return { cuts, chunkOfKey };
}

/** Pass 1: every row dealt to its routed batch, in file order. */
function deal(batches: readonly ReadingBatch[], decoded: readonly Uint8Array[], plan: OrderPlan, keepRaw: boolean): Dealt[] {
  const { cuts, ranked } = plan;
  const dealt: Dealt[] = [];
  for (let c = 0; c < cuts.length - 1; c++) {
    const n = cuts[c + 1] - cuts[c];
    const rejectedRaw = new Map<number, string>();
    dealt.push({
      columns: {
        length: n, line: new Float64Array(n), meter: new Int32Array(n), end: new Int32Array(n), value: new Float64Array(n),
        override: new Float64Array(n), source: new Uint8Array(n), verification: new Uint8Array(n), reject: new Uint8Array(n), rejectedRaw,
        // Buckets and id bytes are written in pass 2, straight to their rows' places.
        decoded: new Uint8Array(n), bucket: EMPTY, rawOf: (row) => rejectedRaw.get(row) ?? "", ranked,
      },
      key: new Int32Array(n),
      fromBatch: keepRaw ? new Int32Array(n) : undefined,
      fromRow: keepRaw ? new Int32Array(n) : undefined,
    });
  }
  dealRows(batches, decoded, plan, dealt);
  return dealt;
}

function dealRows(batches: readonly ReadingBatch[], decoded: readonly Uint8Array[], plan: OrderPlan, dealt: Dealt[]): void {
  const { keyOf, chunkOfKey } = plan;
  const fill = new Int32Array(dealt.length);
  let at = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    const d = decoded[i];
    for (let row = 0; row < b.length; row++, at++) {
      const key = keyOf[at];
      const c = chunkOfKey[key];
      const t = dealt[c];
      const o = t.columns;
      const j = fill[c]++;
      const m = b.meter[row];
      t.key[j] = key;
      if (t.fromBatch !== undefined) {
        t.fromBatch[j] = i;
        t.fromRow![j] = row;
      }
      o.decoded[j] = d[row];
      o.line[j] = b.line[row];
      o.meter[j] = m;
      o.end[j] = b.end[row];
      o.value[j] = b.value[row];
      o.override[j] = b.override[row];
      o.source[j] = b.source[row];
      o.verification[j] = b.verification[row];
      o.reject[j] = b.reject[row];
      if (b.reject[row] !== 0) o.rejectedRaw.set(j, b.rejectedRaw.get(row) ?? b.rawOf(row));
    }
  }
}

/** The optional columns some batch of the window has; undefined when none has any (plain register readings). */
function extrasOf(batches: readonly ReadingBatch[]): Extras | undefined {
  const extras = {
    pulse: batches.some((b) => b.pulse !== undefined),
    sensorRow: batches.some((b) => b.sensorRow !== undefined),
    sensors: batches.some((b) => b.sensors !== undefined && b.sensors.length > 0),
  };
  return extras.pulse || extras.sensorRow || extras.sensors ? extras : undefined;
}

/**
 * Pass 1 of the optional columns, beside dealRows (its loop left as it is for plain windows):
 * each row's pulse fields, sensor-row mark and channel values dealt to the same place.
 */
function dealExtras(batches: readonly ReadingBatch[], plan: OrderPlan, dealt: Dealt[], extras: Extras): void {
  for (const t of dealt) {
    const n = t.columns.length;
    if (extras.pulse) t.columns.pulse = createPulseColumns(n);
    if (extras.sensorRow) t.columns.sensorRow = new Uint8Array(n);
    if (extras.sensors) t.sensors = new SensorValueList();
  }
  const { keyOf, chunkOfKey } = plan;
  const fill = new Int32Array(dealt.length);
  let at = 0;
  for (const b of batches) {
    const s = b.sensors !== undefined && b.sensors.length > 0 ? b.sensors : undefined;
    const byRow = s === undefined ? undefined : valuesByRow(s, b.length);
    for (let row = 0; row < b.length; row++, at++) {
      const c = chunkOfKey[keyOf[at]];
      const t = dealt[c];
      const j = fill[c]++;
      const o = t.columns;
      if (b.pulse !== undefined) for (const input of PULSE_ROW_COLUMNS) o.pulse![input][j] = b.pulse[input][row];
      if (b.sensorRow !== undefined) o.sensorRow![j] = b.sensorRow[row];
      if (byRow !== undefined) {
        for (let k = byRow.first[row]; k < byRow.first[row + 1]; k++) {
          const v = byRow.order[k];
          t.sensors!.push(j, s!.channel[v], s!.time[v], s!.value[v]);
        }
      }
    }
  }
}

/** Pass 2 of the optional columns: moved as orderChunk moves the others (channel values keep their order, their rows renumbered). */
function orderExtras(t: Dealt, dest: Int32Array, n: number, scratch: Scratch): void {
  const o = t.columns;
  if (o.pulse !== undefined) for (const input of PULSE_ROW_COLUMNS) scratch.floats(o.pulse[input], dest, n);
  if (o.sensorRow !== undefined) scratch.bytes(o.sensorRow, dest, n);
  if (t.sensors !== undefined) {
    const values = t.sensors.view();
    for (let k = 0; k < values.length; k++) values.row[k] = dest[values.row[k]];
    o.sensors = values;
  }
}

/** Pass 2, routed batch `c` as it is taken: its rows in key order (stable: dealt in file order). */
function orderChunk(t: Dealt, c: number, plan: OrderPlan, scratch: Scratch, batches: readonly ReadingBatch[]): PlainColumns {
  const { start, ranks, cuts } = plan;
  const o = t.columns;
  const n = o.length;
  const dest = scratch.ints(0, n);
  const bucket = new Int32Array(n);
  destinations(t.key, n, start, cuts[c], ranks, dest, bucket);
  o.bucket = bucket;
  if (plan.byteIds) o.rowIds = idsOf(o.meter, dest, n, plan.idBytes[c], plan.meters);
  scratch.floats(o.line, dest, n);
  scratch.int32s(o.meter, dest, n);
  scratch.int32s(o.end, dest, n);
  scratch.floats(o.value, dest, n);
  scratch.floats(o.override, dest, n);
  scratch.bytes(o.source, dest, n);
  scratch.bytes(o.verification, dest, n);
  scratch.bytes(o.reject, dest, n);
  scratch.bytes(o.decoded, dest, n);
  orderExtras(t, dest, n, scratch);
  if (o.rejectedRaw.size > 0) {
    const moved = new Map<number, string>();
    for (const [j, raw] of o.rejectedRaw) moved.set(dest[j], raw);
    o.rejectedRaw = moved;
  }
  const rejectedRaw = o.rejectedRaw;
  if (t.fromBatch !== undefined) {
    scratch.int32s(t.fromBatch, dest, n);
    scratch.int32s(t.fromRow!, dest, n);
    const { fromBatch, fromRow } = t;
    o.rawOf = (row) => rejectedRaw.get(row) ?? batches[fromBatch[row]].rawOf(fromRow![row]);
  } else {
    o.rawOf = (row) => rejectedRaw.get(row) ?? "";
  }
  return o;
}

/** Each row's place in its routed batch (from `first`, its batch's first place) and the bucket its key says. */
function destinations(key: Int32Array, n: number, start: Int32Array, first: number, ranks: number, dest: Int32Array, bucket: Int32Array): void {
  for (let j = 0; j < n; j++) {
    const k = key[j];
    const to = start[k]++ - first;
    dest[j] = to;
    // The key says the bucket: group 1 + bucket (0 without a meter) times the ranks, plus the rank.
    bucket[to] = ((k / ranks) | 0) - 1;
  }
}

/** Reusable arrays for putting a routed batch's columns in order: column[dest[j]] = column[j] for rows j < n. */
class Scratch {
  #ints = [new Int32Array(0), new Int32Array(0)];
  #floats = new Float64Array(0);
  #bytes = new Uint8Array(0);

  ints(which: number, n: number): Int32Array {
    if (this.#ints[which].length < n) this.#ints[which] = new Int32Array(n);
    return this.#ints[which];
  }

  floats(column: Float64Array, dest: Int32Array, n: number): void {
    if (this.#floats.length < n) this.#floats = new Float64Array(n);
    const copy = this.#floats;
    copy.set(column.subarray(0, n));
    for (let j = 0; j < n; j++) column[dest[j]] = copy[j];
  }

  int32s(column: Int32Array, dest: Int32Array, n: number): void {
    const copy = this.ints(1, n);
    copy.set(column.subarray(0, n));
    for (let j = 0; j < n; j++) column[dest[j]] = copy[j];
  }

  bytes(column: Uint8Array, dest: Int32Array, n: number): void {
    if (this.#bytes.length < n) this.#bytes = new Uint8Array(n);
    const copy = this.#bytes;
    copy.set(column.subarray(0, n));
    for (let j = 0; j < n; j++) column[dest[j]] = copy[j];
  }
}

/**
 * The id bytes of a routed batch's rows (`bytes` in all), in routed order: row j of `meter` (in
 * file order: the meter index's bytes are read about in order) goes to row dest[j].
 */
function idsOf(meter: Int32Array, dest: Int32Array, n: number, bytes: number, meters: ReadingBatch["meters"]): RowIds {
  const ids = rowIdsOf(n, bytes);
  const at = ids.at;
  for (let j = 0; j < n; j++) at[dest[j] + 1] = meter[j] >= 0 ? meters.idLength!(meter[j]) : 0;
  for (let j = 0; j < n; j++) at[j + 1] += at[j];
  for (let j = 0; j < n; j++) if (meter[j] >= 0) meters.copyId!(meter[j], ids.bytes, at[dest[j]]);
  return ids;
}

const EMPTY = new Int32Array(0);

function rowIdsOf(rows: number, bytes: number): RowIds {
  const at = new Int32Array(rows + 1);
  at[rows] = bytes;
  return { bytes: new Uint8Array(bytes), at };
}
