// Per-meter state, columnar by meter key, and its encoding as one BLOB per chunk of meters.
import { NO_DAY } from "../ingest/batch.js";

/** Per-meter state by meter key. Grows with the registry. */
export interface MeterState {
  size: number;
  /** End day of the latest accepted reading; NO_DAY when none. */
  lastEnd: Int32Array;
  /** Value of the latest accepted reading; NaN when none. */
  lastValue: Float64Array;
  /** Accepted readings with a consumption (not initial). */
  readings: Uint32Array;
  /** Sum of consumption and of days over those readings: average daily = sum / days. */
  sumConsumption: Float64Array;
  sumDays: Float64Array;
  /** Operator's temp_bad flag (1 = set). */
  tempBad: Uint8Array;
  /**
   * Pulse meters: the day the meter's current pulse-free stretch began (the end of its latest
   * reading with pulses); NO_DAY when unknown. Days without pulses = end - idleSince.
   */
  idleSince: Int32Array;
  /**
   * Held readings recorded for the meter (open or released). Only meters with some are looked up
   * in the held table, so an exact re-send of a held reading is a duplicate, not held again.
   */
  heldCount: Uint32Array;
  /**
   * The kind of meter the chain's values were read from: CHAIN_REGISTER or CHAIN_PULSE (register
   * values, cumulative raw pulses); CHAIN_UNKNOWN in state written before it was kept. A meter a
   * registry import moved to the other kind starts a new chain (working-set.ts).
   */
  chain: Uint8Array;
  /**
   * The last day of the meter's chain before it started again as another kind (NO_DAY: none):
   * readings dated at or before it lie before the new chain (held `before_baseline`).
   */
  chainFrom: Int32Array;
  /**
   * Pulse meters: the end of the meter's latest reading the kernel decided, held or not: a count
   * is the pulses since the meter's previous reading, so the next count's interval starts there
   * (a held reading is no base of the cumulative register, but it did end an interval). NO_DAY:
   * none, a register meter, or state written before it was kept (the latest trusted end then).
   */
  pulseEnd: Int32Array;
}

/**
 * The day at or before which a reading of meter k is late (decided against the chain's history,
 * not appended to it): its latest trusted reading's end, a pulse meter's latest reading's (held
 * too: a count dated before it cannot split that reading's interval), and the last day of a
 * chain the meter had before a change of kind (such a reading lies before its new chain).
 */
export function lateUntil(state: MeterState, k: number): number {
  let end = state.lastEnd[k];
  const pulse = state.pulseEnd[k];
  const from = state.chainFrom[k];
  if (pulse > end) end = pulse;
  return from > end ? from : end;
}

/** MeterState.chain: state written before the chain's kind was kept. */
export const CHAIN_UNKNOWN = 0;
/** MeterState.chain: register values. */
export const CHAIN_REGISTER = 1;
/** MeterState.chain: cumulative raw pulses (a pulse meter). */
export const CHAIN_PULSE = 2;

const FIELDS = [
  ["lastEnd", Int32Array],
  ["lastValue", Float64Array],
  ["readings", Uint32Array],
  ["sumConsumption", Float64Array],
  ["sumDays", Float64Array],
  ["tempBad", Uint8Array],
  // Added with schema 4; chunks written before it lack it (decodeChunk).
  ["idleSince", Int32Array],
  // Added with schema 6; older chunks lack it (decodeChunk).
  ["heldCount", Uint32Array],
  // Added with the chain's kind; older BLOBs lack them (the kind unknown, no restart).
  ["chain", Uint8Array],
  ["chainFrom", Int32Array],
  ["pulseEnd", Int32Array],
] as const;

type Field = (typeof FIELDS)[number][0];

/** Empty state for `size` meters. */
export function createState(size: number): MeterState {
  const state = { size } as MeterState;
  for (const [name, ctor] of FIELDS) (state as unknown as Record<Field, unknown>)[name] = new ctor(size);
  state.lastEnd.fill(NO_DAY);
  state.lastValue.fill(Number.NaN);
  state.idleSince.fill(NO_DAY);
  state.chainFrom.fill(NO_DAY);
  state.pulseEnd.fill(NO_DAY);
  return state;
}

/** Bytes of one meter's state in a chunk BLOB. */
const BYTES_PER_METER = FIELDS.reduce((n, [, ctor]) => n + ctor.BYTES_PER_ELEMENT, 0);
/** Bytes per meter of a chunk written with the first `n` fields (older schemas wrote fewer). */
const bytesWith = (n: number) => FIELDS.slice(0, n).reduce((sum, [, ctor]) => sum + ctor.BYTES_PER_ELEMENT, 0);

/** One chunk of encoded state: meters [chunk * CHUNK_METERS, + meters). */
export interface StateChunk {
  chunk: number;
  meters: number;
  data: Uint8Array;
}

/**
 * Encodes the state of the given chunks as it is now, into `into` (grown when too small; pass
 * a SharedArrayBuffer-backed array to share it with a worker). The snapshot is what a batch
 * commits: the pipeline goes on changing the live state while it is written.
 */
export function snapshotChunks(state: MeterState, chunks: Iterable<number>, chunkMeters: number, into: { bytes: Uint8Array }): StateChunk[] {
  const out: StateChunk[] = [];
  let need = 0;
  const list = [...chunks];
  for (const chunk of list) need += Math.min(chunkMeters, state.size - chunk * chunkMeters) * BYTES_PER_METER;
  if (into.bytes.length < need) {
    const shared = into.bytes.buffer instanceof SharedArrayBuffer;
    const size = Math.max(need, into.bytes.length * 2);
    into.bytes = shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
  }
  let at = 0;
  for (const chunk of list) {
    const from = chunk * chunkMeters;
    const meters = Math.min(chunkMeters, state.size - from);
    const data = encodeChunk(state, from, meters);
    into.bytes.set(data, at);
    out.push({ chunk, meters, data: into.bytes.subarray(at, at + data.length) });
    at += data.length;
  }
  return out;
}

let scratch = Buffer.alloc(0);

/**
 * Encodes meters [from, from + count) as one BLOB: the columns one after another. The result
 * is a view of a reused buffer: valid until the next call.
 */
export function encodeChunk(state: MeterState, from: number, count: number): Buffer {
  if (scratch.length < count * BYTES_PER_METER) scratch = Buffer.alloc(count * BYTES_PER_METER);
  const out = scratch.subarray(0, count * BYTES_PER_METER);
  let at = 0;
  for (const [name] of FIELDS) {
    const column = state[name as Field];
    const bytes = new Uint8Array(column.buffer, column.byteOffset + from * column.BYTES_PER_ELEMENT, count * column.BYTES_PER_ELEMENT);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** Decodes a chunk BLOB of `count` meters into state starting at meter `from`. */
export function decodeChunk(state: MeterState, from: number, count: number, data: Uint8Array): void {
  let at = 0;
  // Chunks written by an older schema hold a prefix of the fields; the rest keep their defaults.
  let n = FIELDS.length;
  while (n > 1 && data.length < count * bytesWith(n)) n--;
  const fields = FIELDS.slice(0, n);
  for (const [name, ctor] of fields) {
    const bytes = count * ctor.BYTES_PER_ELEMENT;
    const copy = new Uint8Array(bytes);
    copy.set(data.subarray(at, at + bytes));
    state[name as Field].set(new ctor(copy.buffer) as never, from);
    at += bytes;
  }
}

/** The state columns in BLOB order; bucket-state.ts encodes a bucket's state with them. */
export const STATE_FIELDS = FIELDS;
