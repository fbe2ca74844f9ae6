// Accepted readings as columns, growable, and their encoding as history segment BLOBs.
import { StoreError } from "./errors.js";
import { isWholeInt32 } from "./same-values.js";

/** History entries, columnar. `held` is the hold-reason bitmask (0 = billable). */
export interface HistoryEntries {
  length: number;
  meter: Uint32Array;
  end: Int32Array;
  value: Float64Array;
  /** Previous reading's value; NaN for an initial reading. */
  prev: Float64Array;
  start: Int32Array;
  consumption: Float64Array;
  /** What this entry put on billing: its consumption when billable, a correction's difference, else 0. */
  billed: Float64Array;
  flags: Uint32Array;
  held: Uint32Array;
  /** The reading's override (NaN: none): its consumption whatever its predecessor, kept for recomputation. */
  override: Float64Array;
  /**
   * A pulse meter's baseline reading (`initial`, billed nothing): its debounced count, which it
   * owes once a reading before it enters the chain (late.ts); 0 on every other entry, NaN on an
   * entry of a segment written before it was kept.
   */
  debounced: Float64Array;
}

/** One entry as plain values. */
export interface HistoryEntry {
  meter: number;
  end: number;
  value: number;
  prev: number;
  start: number;
  consumption: number;
  billed: number;
  flags: number;
  held: number;
  override: number;
  debounced: number;
}

const COLUMNS = [
  ["meter", Uint32Array],
  ["end", Int32Array],
  ["value", Float64Array],
  ["prev", Float64Array],
  ["start", Int32Array],
  ["consumption", Float64Array],
  ["billed", Float64Array],
  ["flags", Uint32Array],
  ["held", Uint32Array],
  // Added with schema 6: segments written before it lack it (decodeSegment fills NaN).
  ["override", Float64Array],
  // Added with SQLite layout 14 / PostgreSQL schema 17: segments written before it lack it (NaN: not kept).
  ["debounced", Float64Array],
] as const;

type Column = (typeof COLUMNS)[number][0];

/** Empties entries for reuse, keeping their columns. */
export function clearEntries(e: HistoryEntries): void {
  e.length = 0;
}

/**
 * Empty entries with room for `capacity`. `shared` puts the columns in SharedArrayBuffers, so
 * posting them to a worker thread shares them instead of copying (they stay shared as they grow).
 */
export function createEntries(capacity = 1024, shared = false): HistoryEntries {
  const e = { length: 0 } as HistoryEntries;
  for (const [name, ctor] of COLUMNS) (e as unknown as Record<Column, unknown>)[name] = column(ctor, capacity, shared);
  return e;
}

type ColumnCtor = (typeof COLUMNS)[number][1];

function column(ctor: ColumnCtor, capacity: number, shared: boolean): InstanceType<ColumnCtor> {
  const bytes = capacity * ctor.BYTES_PER_ELEMENT;
  const make = ctor as unknown as new (source: number | SharedArrayBuffer) => InstanceType<ColumnCtor>;
  return new make(shared ? new SharedArrayBuffer(bytes) : capacity);
}

/** Reorders the entries in place: entry `order[k]` becomes entry k (`order` a permutation of [0, length)). */
export function permuteEntries(e: HistoryEntries, order: Int32Array): void {
  const n = e.length;
  for (const [name] of COLUMNS) {
    const col = e[name];
    const was = col.slice(0, n);
    for (let k = 0; k < n; k++) col[k] = was[order[k]];
  }
}

/** Appends one entry, growing the columns when full. */
export function pushEntry(e: HistoryEntries, x: HistoryEntry): void {
  appendEntry(e, x.meter, x.end, x.value, x.prev, x.start, x.consumption, x.billed, x.flags, x.held, x.override, x.debounced);
}

/** Appends one entry given field by field (no object on the hot path). */
export function appendEntry(
  e: HistoryEntries, meter: number, end: number, value: number, prev: number, start: number,
  consumption: number, billed: number, flags: number, held: number, override = Number.NaN, debounced = 0,
): void {
  if (e.length === e.meter.length) grow(e, e.length * 2);
  const i = e.length++;
  e.meter[i] = meter; e.end[i] = end; e.value[i] = value; e.prev[i] = prev; e.start[i] = start;
  e.consumption[i] = consumption; e.billed[i] = billed; e.flags[i] = flags; e.held[i] = held; e.override[i] = override;
  e.debounced[i] = debounced;
}

/** Entry i as plain values. */
export function entryAt(e: HistoryEntries, i: number): HistoryEntry {
  return {
    meter: e.meter[i], end: e.end[i], value: e.value[i], prev: e.prev[i], start: e.start[i],
    consumption: e.consumption[i], billed: e.billed[i], flags: e.flags[i], held: e.held[i], override: e.override[i],
    debounced: e.debounced[i],
  };
}

function grow(e: HistoryEntries, capacity: number): void {
  const shared = e.meter.buffer instanceof SharedArrayBuffer;
  for (const [name, ctor] of COLUMNS) {
    const next = column(ctor, Math.max(capacity, 16), shared);
    next.set(e[name as Column] as never);
    (e as unknown as Record<Column, unknown>)[name] = next;
  }
}

/** Bytes per entry of every column, n values each (the most a segment of n entries takes, but its header). */
const BYTES_PER_ENTRY = COLUMNS.reduce((n, [, ctor]) => n + ctor.BYTES_PER_ELEMENT, 0);
/** Columns of the first segment layout (format 1): those up to the override column. */
const V1_COLUMNS = 10;
/** Bytes per entry of format 1: its columns, n values each. */
const V1_BYTES_PER_ENTRY = COLUMNS.slice(0, V1_COLUMNS).reduce((n, [, ctor]) => n + ctor.BYTES_PER_ELEMENT, 0);
/** ... and of format 1 before the override column. */
const V1_BYTES_PER_ENTRY_NO_OVERRIDE = V1_BYTES_PER_ENTRY - Float64Array.BYTES_PER_ELEMENT;

/**
 * Segment format 3: u8 3, u8 column count, u16 same mask, u32 n, u16 narrow mask, u16 zero, then
 * the columns in COLUMNS order, each n values; one value when its bit in the same mask says all
 * n are the same (a night's entries share their end and start day, flags, hold bits, override
 * and debounced count, 0 but on a pulse meter's baseline); n int32s when its bit in the narrow mask says a float column's values are all
 * integers of int32 range (not -0): registers, previous values, consumption and billed amounts
 * of whole units. A night's entries: 20 bytes an entry (36 in format 2, 60 in format 1;
 * measured on SQLite, a commit costs about 7 ms per MB it writes). Format 2 is format 3 without
 * the narrow mask and its 4 bytes. A format-1 segment has no header: it is exactly 60 (or,
 * before the override column, 52) bytes an entry, so a segment of another format is padded with
 * 4 zero bytes in the rare case its length is one of those. Formats 1, 2 and 3 are read.
 */
const SEGMENT_FORMAT = 3;
const SEGMENT_HEADER = 12;
/** Format 2's header: no narrow mask. */
const SEGMENT_HEADER_2 = 8;

// Scratch space reused by encodeSegment: a segment is bound and copied by SQLite before the
// next one is encoded, so one buffer serves them all without garbage per batch.
let scratchBytes = new ArrayBuffer(1 << 16);
let scratchOut = Buffer.alloc(1 << 16);

type AnyColumn = Uint32Array | Int32Array | Float64Array;

/**
 * Encodes the entries listed in `rows` as one segment BLOB (format 3). The result is a view of a
 * reused buffer: valid until the next call.
 */
export function encodeSegment(e: HistoryEntries, rows: ArrayLike<number>): Buffer {
  const n = rows.length;
  if (scratchOut.length < SEGMENT_HEADER + n * BYTES_PER_ENTRY + 4) scratchOut = Buffer.alloc((SEGMENT_HEADER + n * BYTES_PER_ENTRY) * 2 + 4);
  if (scratchBytes.byteLength < n * 8) scratchBytes = new ArrayBuffer(n * 16);
  let mask = 0;
  let narrow = 0;
  let at = SEGMENT_HEADER;
  const words = new Uint32Array(scratchBytes, 0, n * 2);
  const ints = new Int32Array(scratchBytes, 0, n);
  COLUMNS.forEach(([name, ctor], c) => {
    const source = e[name as Column];
    const width = ctor.BYTES_PER_ELEMENT >> 2;
    if (width === 2 && n > 0) {
      // A float column: gathered as int32s while its values are whole numbers (one pass, the
      // common case); one value for all is stored once, at full width.
      const whole = gatherWhole(source as Float64Array, rows, n, ints);
      if (whole === ALL_SAME) {
        mask |= 1 << c;
        scratchOut.writeDoubleLE(ints[0], at);
        at += 8;
        return;
      }
      if (whole === WHOLE) {
        narrow |= 1 << c;
        scratchOut.set(new Uint8Array(scratchBytes, 0, n * 4), at);
        at += n * 4;
        return;
      }
    }
    // Gathered and compared as 32-bit words, whatever the column's type: one loop for all
    // (a loop per typed-array type it meets was a third of a nightly run's commit building).
    gatherWords(new Uint32Array(source.buffer, source.byteOffset, source.length * width), width, rows, n, words);
    // Bit for bit the same: a NaN of another payload is stored apart, and -0 apart from 0.
    const same = n > 0 && sameWords(words, width, n);
    const bytes = (same ? 1 : n) * ctor.BYTES_PER_ELEMENT;
    if (same) mask |= 1 << c;
    scratchOut.set(new Uint8Array(scratchBytes, 0, bytes), at);
    at += bytes;
  });
  scratchOut[0] = SEGMENT_FORMAT;
  scratchOut[1] = COLUMNS.length;
  scratchOut.writeUInt16LE(mask, 2);
  scratchOut.writeUInt32LE(n, 4);
  scratchOut.writeUInt16LE(narrow, 8);
  scratchOut.writeUInt16LE(0, 10);
  if (at === n * V1_BYTES_PER_ENTRY || at === n * V1_BYTES_PER_ENTRY_NO_OVERRIDE) {
    scratchOut.fill(0, at, at + 4);
    at += 4;
  }
  return scratchOut.subarray(0, at);
}

/** Copies entries `rows[0, n)` of a column seen as `width` 32-bit words per value into `out`. */
function gatherWords(source: Uint32Array, width: number, rows: ArrayLike<number>, n: number, out: Uint32Array): void {
  if (width === 1) {
    for (let k = 0; k < n; k++) out[k] = source[rows[k]];
    return;
  }
  for (let k = 0; k < n; k++) {
    const from = rows[k] * 2;
    out[2 * k] = source[from];
    out[2 * k + 1] = source[from + 1];
  }
}

const NOT_WHOLE = 0;
const WHOLE = 1;
const ALL_SAME = 2;

/**
 * Gathers values `rows[0, n)` of a float column into `out` as int32s while they are whole
 * numbers of int32 range (not -0): WHOLE, or ALL_SAME when they are one value; NOT_WHOLE at the
 * first that is not (then `out` holds nothing useful).
 */
function gatherWhole(source: Float64Array, rows: ArrayLike<number>, n: number, out: Int32Array): number {
  const first = source[rows[0]];
  let same = true;
  for (let k = 0; k < n; k++) {
    const v = source[rows[k]];
    if (!isWholeInt32(v)) return NOT_WHOLE;
    out[k] = v;
    if (v !== first) same = false;
  }
  return same ? ALL_SAME : WHOLE;
}

/** Whether the first `n` values of `width` words each in `words` are bit for bit one value. */
function sameWords(words: Uint32Array, width: number, n: number): boolean {
  const a = words[0];
  if (width === 1) {
    for (let k = 1; k < n; k++) if (words[k] !== a) return false;
    return true;
  }
  const b = words[1];
  for (let k = 1; k < n; k++) if (words[2 * k] !== a || words[2 * k + 1] !== b) return false;
  return true;
}

/**
 * A segment's layout: where each column starts, whether it holds one value for all (`mask`), and
 * whether a float column holds int32s (`narrow`).
 */
function segmentLayout(data: Uint8Array, n: number): { count: number; mask: number; narrow: number; at: number[] } {
  const v1 = data.length === n * V1_BYTES_PER_ENTRY || data.length === n * V1_BYTES_PER_ENTRY_NO_OVERRIDE;
  const format = v1 ? 1 : data[0];
  if (!v1 && (format !== 2 && format !== SEGMENT_FORMAT || data.length < (format === 2 ? SEGMENT_HEADER_2 : SEGMENT_HEADER) || data[1] > COLUMNS.length)) {
    throw new StoreError("MF_ERR_STORE_SCHEMA", `ledger segment of ${data.length} bytes for ${n} entries: format ${data[0]} (this meterflow reads 1, 2 and ${SEGMENT_FORMAT})`);
  }
  const mask = v1 ? 0 : data[2] | (data[3] << 8);
  const narrow = format === SEGMENT_FORMAT ? data[8] | (data[9] << 8) : 0;
  // Format 1 written before the override column holds the columns before it.
  const count = v1 ? (data.length === n * V1_BYTES_PER_ENTRY ? V1_COLUMNS : V1_COLUMNS - 1) : data[1];
  const at: number[] = [];
  let offset = v1 ? 0 : format === 2 ? SEGMENT_HEADER_2 : SEGMENT_HEADER;
  for (let c = 0; c < count; c++) {
    at.push(offset);
    offset += (mask >> c) & 1 ? COLUMNS[c][1].BYTES_PER_ELEMENT : (narrow >> c) & 1 ? n * 4 : n * COLUMNS[c][1].BYTES_PER_ELEMENT;
  }
  return { count, mask, narrow, at };
}

/** A segment BLOB read in place: read(c, i) is field c (COLUMNS order) of entry i; it stores `count` columns. */
function segmentFields(data: Uint8Array, n: number): { count: number; read: (c: number, i: number) => number } {
  const { count, mask, narrow, at } = segmentLayout(data, n);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (c: number, i: number): number => {
    const ctor = COLUMNS[c][1];
    if ((narrow >> c) & 1) return view.getInt32(at[c] + i * 4, true);
    const offset = at[c] + ((mask >> c) & 1 ? 0 : i * ctor.BYTES_PER_ELEMENT);
    return ctor === Float64Array ? view.getFloat64(offset, true) : ctor === Int32Array ? view.getInt32(offset, true) : view.getUint32(offset, true);
  };
  return { count, read };
}

/**
 * The entries of one meter (its bucket `slot`) in a segment BLOB of `n` entries, in segment order,
 * read in place: its meter column is scanned and only the matching rows' values are read (an
 * operator's view wants one meter of a segment that holds its whole bucket). The same entries
 * as decodeSegment's with that meter.
 */
export function slotEntries(data: Uint8Array, n: number, slot: number): HistoryEntry[] {
  const { count, read } = segmentFields(data, n);
  const out: HistoryEntry[] = [];
  for (let i = 0; i < n; i++) {
    if (read(0, i) !== slot) continue;
    const e = {} as Record<Column, number>;
    for (let c = 0; c < COLUMNS.length; c++) e[COLUMNS[c][0]] = c < count ? read(c, i) : Number.NaN;
    out.push(e as unknown as HistoryEntry);
  }
  return out;
}

/**
 * Appends the entries of a segment BLOB of `n` entries that `pick` keeps, the last entry first,
 * read in place (only the meter column is scanned whole). pick(slot) is the meter to store for
 * an entry, or -1 to leave it.
 */
export function appendPicked(into: HistoryEntries, data: Uint8Array, n: number, pick: (slot: number) => number): void {
  const { count, read } = segmentFields(data, n);
  for (let i = n - 1; i >= 0; i--) {
    const meter = pick(read(0, i));
    if (meter < 0) continue;
    appendEntry(into, meter, read(1, i), read(2, i), read(3, i), read(4, i), read(5, i), read(6, i), read(7, i), read(8, i),
      count > 9 ? read(9, i) : Number.NaN, count > 10 ? read(10, i) : Number.NaN);
  }
}

/** The `n` int32s at `data[at]`: a view where aligned, else a copy. */
function int32s(data: Uint8Array, at: number, n: number): Int32Array {
  const offset = data.byteOffset + at;
  if ((offset & 3) === 0) return new Int32Array(data.buffer, offset, n);
  const ints = new Int32Array(n);
  new Uint8Array(ints.buffer).set(data.subarray(at, at + n * 4));
  return ints;
}

/** Appends the entries of a segment BLOB holding `n` entries (format 1, 2 or 3). */
export function decodeSegment(into: HistoryEntries, data: Uint8Array, n: number): void {
  if (into.length + n > into.meter.length) grow(into, Math.max(into.length + n, into.meter.length * 2));
  const { count, mask, narrow, at } = segmentLayout(data, n);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // Columns added since the segment was written: not kept then.
  for (let c = count; c < COLUMNS.length; c++) (into[COLUMNS[c][0] as Column] as Float64Array).fill(Number.NaN, into.length, into.length + n);
  for (let c = 0; c < count; c++) {
    const [name, ctor] = COLUMNS[c];
    const target = into[name as Column] as AnyColumn;
    const width = ctor.BYTES_PER_ELEMENT;
    if ((mask >> c) & 1) {
      const value = width === 8 ? view.getFloat64(at[c], true) : ctor === Int32Array ? view.getInt32(at[c], true) : view.getUint32(at[c], true);
      target.fill(value, into.length, into.length + n);
      continue;
    }
    if ((narrow >> c) & 1) {
      const ints = int32s(data, at[c], n);
      for (let k = 0; k < n; k++) target[into.length + k] = ints[k];
      continue;
    }
    const bytes = n * width;
    const copy = new Uint8Array(bytes);
    copy.set(data.subarray(at[c], at[c] + bytes));
    target.set(new ctor(copy.buffer) as never, into.length);
  }
  into.length += n;
}
