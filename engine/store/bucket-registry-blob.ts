// The registry BLOB of one bucket as bytes: its columns (RegistryColumns, by slot) encoded and
// decoded. bucket-registry.ts builds and merges the columns.
//
// Format (little-endian, version 1):
//   u8 version, u8 zero, u16 constant-column mask, u32 n
//   16 columns, each n values, or 1 value when its bit in the mask says all n are equal:
//     f64: scale, reset, pulseWeight, pulseWidthMs, qmax, noPulseDays, debounceMs, baseValue
//     32-bit: baseEnd, digest, id lengths, type codes, unit codes; u8: digits, mode, pulseInput
//   u32 d (dictionary size), u32 x d: dictionary string lengths
//   UTF-8 text: the ids one after another, then the dictionary (types and units)
// Most columns of a bucket are constant (every meter a register meter, scale 1, no pulse
// fields), so a BLOB is mostly its ids: small to store, and a few allocations to decode.
// String lengths count UTF-16 code units, so one TextDecoder call and slices rebuild them all.
import { StoreError } from "./errors.js";

/** Version byte of the registry BLOBs this code writes. */
export const REGISTRY_FORMAT = 1;

/** A bucket's registry as columns by slot; names as in the pipeline's MeterTable. */
export interface RegistryColumns {
  size: number;
  ids: string[];
  type: string[];
  unit: string[];
  scale: Float64Array;
  /** NaN when none. */
  reset: Float64Array;
  /** 0 when not configured. */
  digits: Uint8Array;
  /** ROLLOVER_MODE code. */
  mode: Uint8Array;
  /** NaN for register meters. */
  pulseWeight: Float64Array;
  /** PULSE_INPUT code; 0 (s0a) when none. */
  pulseInput: Uint8Array;
  pulseWidthMs: Float64Array;
  qmax: Float64Array;
  noPulseDays: Float64Array;
  /** NaN when none. */
  debounceMs: Float64Array;
  /** The registry baseline (`last_reading`, `last_end`): NaN / NO_DAY when none. */
  baseValue: Float64Array;
  baseEnd: Int32Array;
  /** Hash of the fields kept only in the queryable registry (see the header). */
  digest: Uint32Array;
}

const F64 = ["scale", "reset", "pulseWeight", "pulseWidthMs", "qmax", "noPulseDays", "debounceMs", "baseValue"] as const;
const U8 = ["digits", "mode", "pulseInput"] as const;
export { F64, U8 };

/** Bytes of the numeric columns of `n` meters (f64, then 32-bit, then u8). */
const numericBytes = (n: number) => n * (8 * F64.length + 4 * 2 + U8.length);

/**
 * Columns of `n` meters whose numeric columns are views of one buffer: one allocation per
 * bucket. An object literal, so every instance has one hidden class (properties added in a loop
 * would make it a slow dictionary object past a dozen).
 */
function viewColumns(buffer: ArrayBuffer, at: number, n: number): RegistryColumns {
  const f64 = (k: number) => new Float64Array(buffer, at + k * n * 8, n);
  const rest = at + F64.length * n * 8;
  return {
    size: n, ids: [], type: [], unit: [],
    scale: f64(0), reset: f64(1), pulseWeight: f64(2), pulseWidthMs: f64(3), qmax: f64(4), noPulseDays: f64(5),
    debounceMs: f64(6), baseValue: f64(7),
    baseEnd: new Int32Array(buffer, rest, n), digest: new Uint32Array(buffer, rest + n * 4, n),
    digits: new Uint8Array(buffer, rest + n * 8, n), mode: new Uint8Array(buffer, rest + n * 9, n),
    pulseInput: new Uint8Array(buffer, rest + n * 10, n),
  };
}

// Working columns of a merge (never returned): reused, grown when too small.
let work = new ArrayBuffer(numericBytes(1024));

/** Empty columns with room for `capacity` meters; `scratch`: in the shared working buffer. */
export function createColumns(capacity: number, scratch = false): RegistryColumns {
  if (scratch && work.byteLength < numericBytes(capacity)) work = new ArrayBuffer(numericBytes(capacity * 2));
  const c = viewColumns(scratch ? work : new ArrayBuffer(numericBytes(capacity)), 0, capacity);
  c.size = 0;
  return c;
}

const decoder = new TextDecoder();
// Per-meter id lengths and dictionary codes: reused, grown when too small.
let codes = new Uint32Array(3 * 1024);

type Column = Float64Array | Int32Array | Uint32Array | Uint8Array;

/** The 16 columns in BLOB order; the three code columns are views of `codes`. */
function columnsOf(c: RegistryColumns, n: number): Column[] {
  if (codes.length < 3 * n) codes = new Uint32Array(6 * n);
  return [c.scale, c.reset, c.pulseWeight, c.pulseWidthMs, c.qmax, c.noPulseDays, c.debounceMs, c.baseValue, c.baseEnd,
    c.digest, codes.subarray(0, n), codes.subarray(n, 2 * n), codes.subarray(2 * n, 3 * n), c.digits, c.mode, c.pulseInput];
}

function constant(column: Column, n: number): boolean {
  const first = column[0];
  if (first !== first) {
    for (let i = 1; i < n; i++) if (column[i] === column[i]) return false;
  } else {
    for (let i = 1; i < n; i++) if (column[i] !== first) return false;
  }
  return n > 0;
}

/** The ids of columns as UTF-8 bytes: `text` the ids one after another, `units[i]` id i's UTF-16 length. */
export interface IdBytes {
  text: Uint8Array;
  units: ArrayLike<number>;
}

/**
 * Encodes columns (their first `size` meters) as a registry BLOB. With `ids`, the ids are taken
 * from those bytes (the same BLOB as from the same ids as strings in `c.ids`, which is not read).
 */
export function encodeColumns(c: RegistryColumns, ids?: IdBytes): Uint8Array {
  const n = c.size;
  const columns = columnsOf(c, n);
  const dict = new Map<string, number>();
  const [idLength, typeCode, unitCode] = [columns[10], columns[11], columns[12]];
  const codeOf = (word: string) => {
    let code = dict.get(word);
    if (code === undefined) dict.set(word, (code = dict.size));
    return code;
  };
  // Types and units repeat row after row: the previous row's code is tried first.
  let lastType: string | undefined;
  let lastUnit: string | undefined;
  let typeAt = 0;
  let unitAt = 0;
  for (let i = 0; i < n; i++) {
    idLength[i] = ids === undefined ? c.ids[i].length : ids.units[i];
    const type = c.type[i];
    if (type !== lastType) typeAt = codeOf((lastType = type));
    typeCode[i] = typeAt;
    const unit = c.unit[i];
    if (unit !== lastUnit) unitAt = codeOf((lastUnit = unit));
    unitCode[i] = unitAt;
  }
  let mask = 0;
  let size = 8;
  columns.forEach((column, k) => {
    const same = constant(column, n);
    if (same) mask |= 1 << k;
    size += (same ? 1 : n) * column.BYTES_PER_ELEMENT;
  });
  const words = [...dict.keys()];
  const text = ids !== undefined ? words.join("") : (n === c.ids.length ? c.ids.join("") : c.ids.slice(0, n).join("")) + words.join("");
  size += 4 + 4 * words.length;
  const out = Buffer.allocUnsafeSlow(size + (ids === undefined ? 0 : ids.text.length) + Buffer.byteLength(text, "utf8"));
  out[0] = REGISTRY_FORMAT;
  out[1] = 0;
  out.writeUInt16LE(mask, 2);
  out.writeUInt32LE(n, 4);
  let at = 8;
  columns.forEach((column, k) => {
    const bytes = ((mask >> k) & 1 ? 1 : n) * column.BYTES_PER_ELEMENT;
    out.set(new Uint8Array(column.buffer, column.byteOffset, bytes), at);
    at += bytes;
  });
  out.writeUInt32LE(words.length, at);
  at += 4;
  for (const word of words) {
    out.writeUInt32LE(word.length, at);
    at += 4;
  }
  if (ids !== undefined) {
    out.set(ids.text, at);
    at += ids.text.length;
  }
  out.write(text, at, "utf8");
  return out;
}

/**
 * A bucket's registry with its ids as UTF-8 bytes instead of strings (`ids` is empty): id `i` is
 * `idText[i == 0 ? 0 : idEnds[i - 1], idEnds[i])`. `idText` is a view of the BLOB.
 */
export type RegistryWithIdBytes = RegistryColumns & { idText: Uint8Array; idEnds: Int32Array };

/**
 * Decodes a registry BLOB into columns (fresh arrays: the BLOB is not referenced). With `idBytes`,
 * the ids stay UTF-8 bytes (a view of the BLOB), no string made per meter.
 */
export function decodeRegistry(bytes: Uint8Array): RegistryColumns;
export function decodeRegistry(bytes: Uint8Array, options: { idBytes: true }): RegistryWithIdBytes;
export function decodeRegistry(bytes: Uint8Array, options?: { idBytes: true }): RegistryColumns {
  if (bytes.length < 8 || bytes[0] !== REGISTRY_FORMAT) {
    throw new StoreError("MF_ERR_STORE_SCHEMA", `registry BLOB of format ${bytes[0]} (this meterflow reads ${REGISTRY_FORMAT})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mask = view.getUint16(2, true);
  const n = view.getUint32(4, true);
  const c = viewColumns(new ArrayBuffer(numericBytes(n)), 0, n);
  const columns = columnsOf(c, n);
  let at = 8;
  columns.forEach((column, k) => {
    const width = column.BYTES_PER_ELEMENT;
    if ((mask >> k) & 1) {
      const value = width === 8 ? view.getFloat64(at, true) : width === 1 ? view.getUint8(at)
        : column instanceof Int32Array ? view.getInt32(at, true) : view.getUint32(at, true);
      column.fill(value);
      at += width;
    } else {
      new Uint8Array(column.buffer, column.byteOffset, n * width).set(bytes.subarray(at, at + n * width));
      at += n * width;
    }
  });
  const [idLength, typeCode, unitCode] = [columns[10], columns[11], columns[12]];
  const d = view.getUint32(at, true);
  at += 4;
  const wordLength = new Uint32Array(d);
  for (let k = 0; k < d; k++, at += 4) wordLength[k] = view.getUint32(at, true);
  let text: string;
  let pos = 0;
  if (options?.idBytes === true) {
    // Id lengths count UTF-16 units. A character outside ASCII takes more UTF-8 bytes than
    // units, so text of as many bytes as units (ids and words) is ASCII: each id ends where its
    // lengths add up. Otherwise walk the UTF-8 bytes to where each id ends.
    const idEnds = new Int32Array(n);
    let units = 0;
    for (let i = 0; i < n; i++) idEnds[i] = units += idLength[i];
    let words = 0;
    for (let k = 0; k < d; k++) words += wordLength[k];
    let b = at + units;
    if (bytes.length - at !== units + words) {
      b = at;
      for (let i = 0; i < n; i++) {
        for (let left = idLength[i]; left > 0;) {
          const lead = bytes[b];
          const width = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
          b += width;
          left -= width === 4 ? 2 : 1;
        }
        idEnds[i] = b - at;
      }
    }
    Object.assign(c, { idText: bytes.subarray(at, b), idEnds });
    text = decoder.decode(bytes.subarray(b));
  } else {
    text = decoder.decode(bytes.subarray(at));
    const ids = new Array<string>(n);
    for (let i = 0; i < n; i++) ids[i] = text.slice(pos, (pos += idLength[i]));
    c.ids = ids;
  }
  const words = new Array<string>(d);
  for (let k = 0; k < d; k++) words[k] = text.slice(pos, (pos += wordLength[k]));
  const type = new Array<string>(n);
  const unit = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    type[i] = words[typeCode[i]];
    unit[i] = words[unitCode[i]];
  }
  c.type = type;
  c.unit = unit;
  return c;
}

/** Bytes per value of the 16 BLOB columns, in BLOB order (see columnsOf). */
const WIDTHS = [8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 1, 1, 1];

/**
 * Whether no meter of a registry BLOB has a register limit or a pulse weight (reset NaN,
 * pulseWeight NaN and digits 0 for all, stored once each): read from the header and three
 * values, without decoding the ids. Then no reading of the bucket can be rejected by
 * `rejectByRegistry`.
 */
export function registryWithoutLimits(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || bytes[0] !== REGISTRY_FORMAT) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mask = view.getUint16(2, true);
  const n = view.getUint32(4, true);
  if (n === 0) return true;
  // reset (1), pulseWeight (2) and digits (13) must be constant.
  if (((mask >> 1) & 1) === 0 || ((mask >> 2) & 1) === 0 || ((mask >> 13) & 1) === 0) return false;
  let at = 8;
  let reset = 0;
  let weight = 0;
  let digits = 1;
  for (let k = 0; k < 14; k++) {
    if (k === 1) reset = view.getFloat64(at, true);
    else if (k === 2) weight = view.getFloat64(at, true);
    else if (k === 13) digits = view.getUint8(at);
    at += ((mask >> k) & 1 ? 1 : n) * WIDTHS[k];
  }
  return reset !== reset && weight !== weight && digits === 0;
}

/**
 * The `limits` column the stores keep beside a bucket's registry BLOB: 0 when no meter of it has
 * a register limit or a pulse weight (an empty BLOB has none), else 1. The register-limit check
 * reads only the BLOBs of buckets not known to be 0 (a NULL, from before the column, is read).
 */
export function registryLimits(bytes: Uint8Array): 0 | 1 {
  return bytes.length === 0 || registryWithoutLimits(bytes) ? 0 : 1;
}
