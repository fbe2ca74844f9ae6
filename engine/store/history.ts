// Accepted readings as columns, growable, and their encoding as history segment BLOBs.

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

/** Appends one entry, growing the columns when full. */
export function pushEntry(e: HistoryEntries, x: HistoryEntry): void {
  appendEntry(e, x.meter, x.end, x.value, x.prev, x.start, x.consumption, x.billed, x.flags, x.held, x.override);
}

/** Appends one entry given field by field (no object on the hot path). */
export function appendEntry(
  e: HistoryEntries, meter: number, end: number, value: number, prev: number, start: number,
  consumption: number, billed: number, flags: number, held: number, override = Number.NaN,
): void {
  if (e.length === e.meter.length) grow(e, e.length * 2);
  const i = e.length++;
  e.meter[i] = meter; e.end[i] = end; e.value[i] = value; e.prev[i] = prev; e.start[i] = start;
  e.consumption[i] = consumption; e.billed[i] = billed; e.flags[i] = flags; e.held[i] = held; e.override[i] = override;
}

/** Entry i as plain values. */
export function entryAt(e: HistoryEntries, i: number): HistoryEntry {
  return {
    meter: e.meter[i], end: e.end[i], value: e.value[i], prev: e.prev[i], start: e.start[i],
    consumption: e.consumption[i], billed: e.billed[i], flags: e.flags[i], held: e.held[i], override: e.override[i],
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

const BYTES_PER_ENTRY = COLUMNS.reduce((n, [, ctor]) => n + ctor.BYTES_PER_ELEMENT, 0);

// Scratch space reused by encodeSegment: a segment is bound and copied by SQLite before the
// next one is encoded, so one buffer serves them all without garbage per batch.
let scratchBytes = new ArrayBuffer(1 << 16);
let scratchOut = Buffer.alloc(1 << 16);

/**
 * Encodes the entries listed in `rows` as one segment BLOB. The result is a view of a reused
 * buffer: valid until the next call.
 */
export function encodeSegment(e: HistoryEntries, rows: ArrayLike<number>): Buffer {
  const n = rows.length;
  if (scratchOut.length < n * BYTES_PER_ENTRY) scratchOut = Buffer.alloc(n * BYTES_PER_ENTRY * 2);
  if (scratchBytes.byteLength < n * 8) scratchBytes = new ArrayBuffer(n * 16);
  let at = 0;
  for (const [name, ctor] of COLUMNS) {
    const column = new ctor(scratchBytes, 0, n);
    const source = e[name as Column];
    for (let k = 0; k < n; k++) column[k] = source[rows[k]];
    scratchOut.set(new Uint8Array(scratchBytes, 0, column.byteLength), at);
    at += column.byteLength;
  }
  return scratchOut.subarray(0, at);
}

/** Appends the entries of a segment BLOB holding `n` entries. */
export function decodeSegment(into: HistoryEntries, data: Uint8Array, n: number): void {
  if (into.length + n > into.meter.length) grow(into, Math.max(into.length + n, into.meter.length * 2));
  let at = 0;
  // A segment written before the override column holds the columns before it.
  const columns = data.length < n * BYTES_PER_ENTRY ? COLUMNS.slice(0, -1) : COLUMNS;
  if (columns.length < COLUMNS.length) into.override.fill(Number.NaN, into.length, into.length + n);
  for (const [name, ctor] of columns) {
    const bytes = n * ctor.BYTES_PER_ELEMENT;
    const copy = new Uint8Array(bytes);
    copy.set(data.subarray(at, at + bytes));
    (into[name as Column] as Uint32Array).set(new ctor(copy.buffer) as never, into.length);
    at += bytes;
  }
  into.length += n;
}
