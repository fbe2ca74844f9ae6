// The state BLOB of one bucket: the per-meter state columns (state.ts STATE_FIELDS) of its
// slots, in registry slot order (bucket-registry.ts).
//
// Format (little-endian, version 2): u8 version, u8 field count f, u16 constant-column mask,
// u32 n, then the first f STATE_FIELDS columns of n meters one after another, each zero-padded
// to 8 bytes; a column whose bit is set in the mask holds one value (padded to 8) for all n (a
// bucket's meters mostly share their last end day, flags and held count: 29 bytes a meter
// instead of 41 on the nightly shape). Version 1, still read, had no mask (2 zero bytes). A BLOB
// may cover fewer meters than the registry (meters appended since it was written) and fewer
// fields than this code knows (fields added since): the rest decode to createState's defaults.
import { StoreError } from "./errors.js";
import { sameValues } from "./same-values.js";
import { createState, STATE_FIELDS } from "./state.js";
import type { MeterState } from "./state.js";

/** Version byte of the state BLOBs this code writes (it reads 1 too). */
export const STATE_FORMAT = 2;

type Field = (typeof STATE_FIELDS)[number][0];
type Column = MeterState[Field];

const HEADER = 8;
const pad8 = (n: number) => (n + 7) & ~7;
const DEFAULTS = createState(1);

/** Bytes of the first `fields` columns of `n` meters. */
function columnBytes(n: number, fields = STATE_FIELDS.length): number {
  let size = 0;
  for (let f = 0; f < fields; f++) size += pad8(n * STATE_FIELDS[f][1].BYTES_PER_ELEMENT);
  return size;
}

/** State of `n` meters whose columns are views of `buffer` laid out as in the BLOB. */
function viewState(buffer: ArrayBuffer, n: number): MeterState {
  const state = { size: n } as MeterState;
  let at = 0;
  for (const [name, ctor] of STATE_FIELDS) {
    (state as unknown as Record<Field, unknown>)[name] = new ctor(buffer, at, n);
    at += pad8(n * ctor.BYTES_PER_ELEMENT);
  }
  return state;
}

/** Encodes meters [from, from + count) of `state` as a bucket's state BLOB (a fresh buffer). */
export function encodeState(state: MeterState, from = 0, count = state.size - from): Uint8Array {
  let mask = 0;
  let size = HEADER;
  STATE_FIELDS.forEach(([name, ctor], f) => {
    const same = count > 1 && sameValues(state[name as Field] as Column, from, count);
    if (same) mask |= 1 << f;
    size += pad8((same ? 1 : count) * ctor.BYTES_PER_ELEMENT);
  });
  const out = Buffer.alloc(size);
  out[0] = STATE_FORMAT;
  out[1] = STATE_FIELDS.length;
  out.writeUInt16LE(mask, 2);
  out.writeUInt32LE(count, 4);
  let at = HEADER;
  STATE_FIELDS.forEach(([name, ctor], f) => {
    const column = state[name as Field] as Column;
    const bytes = ((mask >> f) & 1 ? 1 : count) * ctor.BYTES_PER_ELEMENT;
    out.set(new Uint8Array(column.buffer, column.byteOffset + from * ctor.BYTES_PER_ELEMENT, bytes), at);
    at += pad8(bytes);
  });
  return out;
}

/** Meters a state BLOB covers. */
export function stateMeters(bytes: Uint8Array): number {
  if (bytes.length < HEADER || (bytes[0] !== STATE_FORMAT && bytes[0] !== 1)) {
    throw new StoreError("MF_ERR_STORE_SCHEMA", `state BLOB of format ${bytes[0]} (this meterflow reads 1 and ${STATE_FORMAT})`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
}

/** The state of a bucket of `meters` meters from its BLOB (null: none committed yet). */
export function decodeState(bytes: Uint8Array | null, meters: number): MeterState {
  const state = viewState(new ArrayBuffer(columnBytes(meters)), meters);
  decodeStateInto(state, 0, meters, bytes);
  return state;
}

/**
 * Decodes a bucket's state BLOB (null: none committed) into `state` at slots [from, from +
 * meters), e.g. a dense state of many buckets. Slots and fields the BLOB does not cover get
 * createState's defaults.
 */
export function decodeStateInto(state: MeterState, from: number, meters: number, bytes: Uint8Array | null): void {
  let covered = 0;
  let fields = 0;
  if (bytes !== null) {
    const stored = stateMeters(bytes);
    covered = Math.min(stored, meters);
    fields = Math.min(bytes[1], STATE_FIELDS.length);
    // Version 1 has two zero bytes where version 2 has its mask.
    const mask = bytes[0] === 1 ? 0 : bytes[2] | (bytes[3] << 8);
    let at = bytes.byteOffset + HEADER;
    for (let f = 0; f < fields; f++) {
      const [name, ctor] = STATE_FIELDS[f];
      const target = state[name as Field] as Column;
      if ((mask >> f) & 1) {
        const one = new ctor(bytes.buffer.slice(at, at + ctor.BYTES_PER_ELEMENT) as ArrayBuffer)[0];
        target.fill(one, from, from + covered);
        at += 8;
        continue;
      }
      const size = covered * ctor.BYTES_PER_ELEMENT;
      new Uint8Array(target.buffer, target.byteOffset + from * ctor.BYTES_PER_ELEMENT, size)
        .set(new Uint8Array(bytes.buffer, at, size));
      at += pad8(stored * ctor.BYTES_PER_ELEMENT);
    }
  }
  for (let f = 0; f < STATE_FIELDS.length; f++) {
    const name = STATE_FIELDS[f][0] as Field;
    const value = (DEFAULTS[name] as Column)[0];
    (state[name] as Column).fill(value, from + (f < fields ? covered : 0), from + meters);
  }
}
