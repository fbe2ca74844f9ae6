// The state BLOB of one bucket: the per-meter state columns (state.ts STATE_FIELDS) of its
// slots, in registry slot order (bucket-registry.ts).
//
// Format (little-endian, version 3): u8 version, u8 field count f, u16 constant-column mask,
// u32 n, u16 narrow-column mask, 6 zero bytes, then the first f STATE_FIELDS columns of n meters
// one after another, each zero-padded to 8 bytes; a column whose bit is set in the constant mask
// holds one value (padded to 8) for all n (a bucket's meters mostly share their last end day,
// flags and held count), and a float column whose bit is set in the narrow mask holds n int32s
// (its values are all whole numbers of int32 range, not -0: whole-unit registers, sums and days).
// The nightly shape: about 16 bytes a meter, against 29 in version 2 and 41 in version 1.
// Version 2, still read, is version 3 with an 8-byte header and no narrow mask; version 1, also
// read, had no mask at all (2 zero bytes). A BLOB may cover fewer meters than the registry
// (meters appended since it was written) and fewer fields than this code knows (fields added
// since): the rest decode to createState's defaults.
import { StoreError } from "./errors.js";
import { isWholeInt32, sameValues } from "./same-values.js";
import { createState, STATE_FIELDS } from "./state.js";
import type { MeterState } from "./state.js";

/** Version byte of the state BLOBs this code writes (it reads 1 and 2 too). */
export const STATE_FORMAT = 3;

type Field = (typeof STATE_FIELDS)[number][0];
type Column = MeterState[Field];

const HEADER = 16;
/** The header of versions 1 and 2. */
const HEADER_2 = 8;
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
  let narrow = 0;
  let size = HEADER;
  STATE_FIELDS.forEach(([name, ctor], f) => {
    const column = state[name as Field] as Column;
    const same = count > 1 && sameValues(column, from, count);
    if (same) mask |= 1 << f;
    else if (ctor === Float64Array && wholeInt32(column as Float64Array, from, count, scratchOf(f, count))) narrow |= 1 << f;
    size += pad8((same ? 1 : count) * ((narrow >> f) & 1 ? 4 : ctor.BYTES_PER_ELEMENT));
  });
  const out = Buffer.alloc(size);
  out[0] = STATE_FORMAT;
  out[1] = STATE_FIELDS.length;
  out.writeUInt16LE(mask, 2);
  out.writeUInt32LE(count, 4);
  out.writeUInt16LE(narrow, 8);
  let at = HEADER;
  STATE_FIELDS.forEach(([name, ctor], f) => {
    const column = state[name as Field] as Column;
    if ((narrow >> f) & 1) {
      out.set(new Uint8Array(scratch[f].buffer, 0, count * 4), at);
      at += pad8(count * 4);
      return;
    }
    const bytes = ((mask >> f) & 1 ? 1 : count) * ctor.BYTES_PER_ELEMENT;
    out.set(new Uint8Array(column.buffer, column.byteOffset + from * ctor.BYTES_PER_ELEMENT, bytes), at);
    at += pad8(bytes);
  });
  return out;
}

/** Reused by encodeState, per field: its int32s while they are checked. */
const scratch: Int32Array[] = [];

function scratchOf(field: number, n: number): Int32Array {
  if (scratch[field] === undefined || scratch[field].length < n) scratch[field] = new Int32Array(Math.max(n, 1024));
  return scratch[field];
}

/**
 * Whether values [from, from + n) of a float column are all whole numbers of int32 range, none
 * -0; they are written to `out` meanwhile.
 */
function wholeInt32(column: Float64Array, from: number, n: number, out: Int32Array): boolean {
  for (let k = 0; k < n; k++) {
    const v = column[from + k];
    if (!isWholeInt32(v)) return false;
    out[k] = v;
  }
  return true;
}

/** Meters a state BLOB covers. */
export function stateMeters(bytes: Uint8Array): number {
  const format = bytes.length === 0 ? 0 : bytes[0];
  if ((format !== 1 && format !== 2 && format !== STATE_FORMAT) || bytes.length < (format === STATE_FORMAT ? HEADER : HEADER_2)) {
    throw new StoreError("MF_ERR_STORE_SCHEMA", `state BLOB of format ${bytes[0]} (this meterflow reads 1, 2 and ${STATE_FORMAT})`);
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
    // Version 1 has two zero bytes where version 2 has its mask; only version 3 has narrow columns.
    const mask = bytes[0] === 1 ? 0 : bytes[2] | (bytes[3] << 8);
    const narrow = bytes[0] === STATE_FORMAT ? bytes[8] | (bytes[9] << 8) : 0;
    let at = bytes.byteOffset + (bytes[0] === STATE_FORMAT ? HEADER : HEADER_2);
    for (let f = 0; f < fields; f++) {
      const [name, ctor] = STATE_FIELDS[f];
      const target = state[name as Field] as Column;
      if ((narrow >> f) & 1) {
        let ints: Int32Array;
        if ((at & 3) === 0) ints = new Int32Array(bytes.buffer, at, covered);
        else {
          ints = new Int32Array(covered);
          new Uint8Array(ints.buffer).set(new Uint8Array(bytes.buffer, at, covered * 4));
        }
        for (let k = 0; k < covered; k++) target[from + k] = ints[k];
        at += pad8(stored * 4);
        continue;
      }
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
