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
}

const FIELDS = [
  ["lastEnd", Int32Array],
  ["lastValue", Float64Array],
  ["readings", Uint32Array],
  ["sumConsumption", Float64Array],
  ["sumDays", Float64Array],
  ["tempBad", Uint8Array],
] as const;

type Field = (typeof FIELDS)[number][0];

/** Empty state for `size` meters. */
export function createState(size: number): MeterState {
  const state = { size } as MeterState;
  for (const [name, ctor] of FIELDS) (state as unknown as Record<Field, unknown>)[name] = new ctor(size);
  state.lastEnd.fill(NO_DAY);
  state.lastValue.fill(Number.NaN);
  return state;
}

/** Bytes of one meter's state in a chunk BLOB. */
const BYTES_PER_METER = FIELDS.reduce((n, [, ctor]) => n + ctor.BYTES_PER_ELEMENT, 0);

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
  for (const [name, ctor] of FIELDS) {
    const bytes = count * ctor.BYTES_PER_ELEMENT;
    const copy = new Uint8Array(bytes);
    copy.set(data.subarray(at, at + bytes));
    state[name as Field].set(new ctor(copy.buffer) as never, from);
    at += bytes;
  }
}
