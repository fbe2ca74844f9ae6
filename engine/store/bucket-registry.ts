// The registry BLOB of one bucket: its meters in slot order, as columns (contract.ts "Layout").
//
// A meter keeps its slot for the life of the store: a merge updates known meters in place and
// appends new ones, so the bucket's state BLOB (bucket-state.ts), indexed by the same slots,
// stays aligned. Format (little-endian, version 1):
//   u8 version, 3 zero bytes, u32 n
//   f64 x n: scale, reset, pulseWeight, pulseWidthMs, qmax, noPulseDays, debounceMs, baseValue
//   i32 x n: baseEnd; u32 x n: digest; u8 x n: digits, mode, pulseInput; zero padding to 4 bytes
//   u32 x n: id lengths, type codes, unit codes
//   u32 d (dictionary size), u32 x d: dictionary string lengths
//   UTF-8 text: the ids one after another, then the dictionary (types and units)
// The numeric columns decode with one copy into one buffer (f64 columns stay 8-aligned in it).
// String lengths count UTF-16 code units, so one TextDecoder call and slices rebuild them all.
// `digest` hashes the fields that are in the queryable registry only (parent, prices, ...) so a
// merge tells a changed meter from an unchanged one without storing them twice.
import { ROLLOVER_MODE } from "../consumption/registers.js";
import { NO_DAY } from "../ingest/batch.js";
import type { MeterRecord } from "../meters/meter.js";
import { PULSE_INPUT } from "../pulses/profiles.js";
import { meterHash } from "./contract.js";
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

/** Bytes of the numeric columns of `n` meters, in BLOB order (f64, then 32-bit, then u8). */
const numericBytes = (n: number) => n * (8 * F64.length + 4 * 2 + U8.length);

/**
 * Columns of `n` meters whose numeric columns are views of one buffer laid out as in the BLOB
 * (from its byte 8 on): one allocation per bucket, and decoding is one copy. An object literal,
 * so every instance has one hidden class (properties added in a loop would make it a slow
 * dictionary object past a dozen).
 */
function viewColumns(buffer: ArrayBuffer, n: number, ids: string[], type: string[], unit: string[]): RegistryColumns {
  const f64 = (k: number) => new Float64Array(buffer, k * n * 8, n);
  const at = F64.length * n * 8;
  return {
    size: n, ids, type, unit,
    scale: f64(0), reset: f64(1), pulseWeight: f64(2), pulseWidthMs: f64(3), qmax: f64(4), noPulseDays: f64(5),
    debounceMs: f64(6), baseValue: f64(7),
    baseEnd: new Int32Array(buffer, at, n), digest: new Uint32Array(buffer, at + n * 4, n),
    digits: new Uint8Array(buffer, at + n * 8, n), mode: new Uint8Array(buffer, at + n * 9, n),
    pulseInput: new Uint8Array(buffer, at + n * 10, n),
  };
}

/** Empty columns with room for `capacity` meters. */
function createColumns(capacity: number): RegistryColumns {
  const c = viewColumns(new ArrayBuffer(numericBytes(capacity)), capacity, [], [], []);
  c.size = 0;
  return c;
}

/** The same columns with room for `capacity` (typed arrays copied, string arrays shared). */
function growColumns(c: RegistryColumns, capacity: number): RegistryColumns {
  const out = createColumns(capacity);
  out.size = c.size;
  out.ids = c.ids;
  out.type = c.type;
  out.unit = c.unit;
  for (const name of F64) out[name].set(c[name].subarray(0, c.size));
  for (const name of U8) out[name].set(c[name].subarray(0, c.size));
  out.baseEnd.set(c.baseEnd.subarray(0, c.size));
  out.digest.set(c.digest.subarray(0, c.size));
  return out;
}

const nan = (v: number | null) => (v === null ? Number.NaN : v);
const same = (a: number, b: number) => a === b || (a !== a && b !== b);

/** Hash of the fields the BLOB does not carry as columns. */
function digestOf(r: MeterRecord): number {
  if (r.parentId === null && r.unitPrice === null && r.basicFeePerDay === null && r.costCenter === null &&
    r.glAccount === null && r.pulseInput === null && r.lastReading === null && r.lastEnd === null) return 0;
  return meterHash(`${r.parentId}\u0001${r.unitPrice}\u0001${r.basicFeePerDay}\u0001${r.costCenter}\u0001${r.glAccount}` +
    `\u0001${r.pulseInput}\u0001${r.lastReading}\u0001${r.lastEnd}`) || 1;
}

/** Writes record `r` into slot `i`, or (check) tells whether slot `i` already holds it. */
function put(c: RegistryColumns, i: number, r: MeterRecord, check: boolean): boolean {
  const base = r.lastReading !== null && r.lastEnd !== null;
  const scale = r.scalingFactor;
  const reset = nan(r.resetValue);
  const digits = r.digits ?? 0;
  const mode = r.rolloverMode === "modulus" ? ROLLOVER_MODE.modulus : ROLLOVER_MODE.documented;
  const weight = nan(r.pulseWeight);
  const input = r.pulseInput !== null && Object.hasOwn(PULSE_INPUT, r.pulseInput) ? PULSE_INPUT[r.pulseInput] : 0;
  const width = nan(r.pulseWidthMs);
  const qmax = nan(r.qmax);
  const noPulse = nan(r.noPulseDays);
  const debounce = nan(r.debounceMs);
  const baseValue = base ? (r.lastReading as number) : Number.NaN;
  const baseEnd = base ? (r.lastEnd as number) : NO_DAY;
  const digest = digestOf(r);
  if (check && c.type[i] === r.type && c.unit[i] === r.unit && same(c.scale[i], scale) && same(c.reset[i], reset) &&
    c.digits[i] === digits && c.mode[i] === mode && same(c.pulseWeight[i], weight) && c.pulseInput[i] === input &&
    same(c.pulseWidthMs[i], width) && same(c.qmax[i], qmax) && same(c.noPulseDays[i], noPulse) &&
    same(c.debounceMs[i], debounce) && same(c.baseValue[i], baseValue) && c.baseEnd[i] === baseEnd && c.digest[i] === digest) {
    return false;
  }
  c.ids[i] = r.meterId; c.type[i] = r.type; c.unit[i] = r.unit;
  c.scale[i] = scale; c.reset[i] = reset; c.digits[i] = digits; c.mode[i] = mode;
  c.pulseWeight[i] = weight; c.pulseInput[i] = input; c.pulseWidthMs[i] = width; c.qmax[i] = qmax;
  c.noPulseDays[i] = noPulse; c.debounceMs[i] = debounce; c.baseValue[i] = baseValue; c.baseEnd[i] = baseEnd;
  c.digest[i] = digest;
  return true;
}

/**
 * Merges registry records into a bucket's registry BLOB (null: a new bucket). Known meters keep
 * their slot (updated in place when a field differs), new ones are appended; within `records`
 * the last row of a meter wins. Counts are per record (they sum to `records.length`).
 */
export function mergeRegistry(existing: Uint8Array | null, records: readonly MeterRecord[]):
  { registry: Uint8Array; meters: number; inserted: number; updated: number; unchanged: number } {
  const old = existing === null ? null : decodeRegistry(existing);
  const c = old === null ? createColumns(records.length) : growColumns(old, old.size + records.length);
  const slotOf = new Map<string, number>();
  for (let i = 0; i < c.size; i++) slotOf.set(c.ids[i], i);
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  for (const r of records) {
    const slot = slotOf.get(r.meterId);
    if (slot === undefined) {
      slotOf.set(r.meterId, c.size);
      put(c, c.size++, r, false);
      inserted++;
    } else if (put(c, slot, r, true)) {
      updated++;
    } else {
      unchanged++;
    }
  }
  return { registry: encodeColumns(c), meters: c.size, inserted, updated, unchanged };
}

/** The registry BLOB of these records (one bucket's meters; a repeated meter id keeps its last row). */
export function encodeRegistry(records: readonly MeterRecord[]): Uint8Array {
  return mergeRegistry(null, records).registry;
}

const decoder = new TextDecoder();
const pad4 = (n: number) => (n + 3) & ~3;
// Per-meter lengths and dictionary codes while encoding: reused, grown when too small.
let scratch = new Uint32Array(3 * 1024);

/** Encodes columns (their first `size` meters) as a registry BLOB. */
export function encodeColumns(c: RegistryColumns): Uint8Array {
  const n = c.size;
  if (scratch.length < 3 * n) scratch = new Uint32Array(6 * n);
  const codes = scratch;
  const dict = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    codes[i] = c.ids[i].length;
    let code = dict.get(c.type[i]);
    if (code === undefined) dict.set(c.type[i], (code = dict.size));
    codes[n + i] = code;
    code = dict.get(c.unit[i]);
    if (code === undefined) dict.set(c.unit[i], (code = dict.size));
    codes[2 * n + i] = code;
  }
  const words = [...dict.keys()];
  const text = (n === c.ids.length ? c.ids.join("") : c.ids.slice(0, n).join("")) + words.join("");
  const strings = pad4(8 + numericBytes(n));
  const fixed = strings + 4 * (3 * n + 1 + words.length);
  const out = Buffer.allocUnsafeSlow(fixed + Buffer.byteLength(text, "utf8"));
  out.writeUInt32LE(REGISTRY_FORMAT, 0);
  out.writeUInt32LE(n, 4);
  let at = 8;
  const copy = (column: ArrayBufferView, bytes: number) => {
    out.set(new Uint8Array(column.buffer, column.byteOffset, bytes), at);
    at += bytes;
  };
  if (c.scale.byteOffset === 0 && c.scale.buffer.byteLength === numericBytes(n)) {
    // Columns made for exactly n meters are the BLOB's numeric section already: one copy.
    copy(c.scale, numericBytes(n));
  } else {
    for (const name of F64) copy(c[name], n * 8);
    copy(c.baseEnd, n * 4);
    copy(c.digest, n * 4);
    for (const name of U8) copy(c[name], n);
  }
  out.fill(0, at, strings);
  at = strings;
  copy(codes, 3 * n * 4);
  out.writeUInt32LE(words.length, at);
  at += 4;
  for (const word of words) {
    out.writeUInt32LE(word.length, at);
    at += 4;
  }
  out.write(text, at, "utf8");
  return out;
}

/** Decodes a registry BLOB into columns (fresh arrays: the BLOB is not referenced). */
export function decodeRegistry(bytes: Uint8Array): RegistryColumns {
  if (bytes.length < 8 || bytes[0] !== REGISTRY_FORMAT) {
    throw new StoreError("MF_ERR_STORE_SCHEMA", `registry BLOB of format ${bytes[0]} (this meterflow reads ${REGISTRY_FORMAT})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(4, true);
  const from = bytes.byteOffset + 8;
  const c = viewColumns(bytes.buffer.slice(from, from + numericBytes(n)) as ArrayBuffer, n, [], [], []);
  let at = pad4(8 + numericBytes(n));
  const codes = (bytes.byteOffset + at) % 4 === 0
    ? new Uint32Array(bytes.buffer, bytes.byteOffset + at, 3 * n)
    : new Uint32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 12 * n) as ArrayBuffer);
  at += 12 * n;
  const d = view.getUint32(at, true);
  at += 4;
  const words = new Array<string>(d);
  const wordLength = new Uint32Array(d);
  for (let k = 0; k < d; k++, at += 4) wordLength[k] = view.getUint32(at, true);
  const text = decoder.decode(bytes.subarray(at));
  let pos = 0;
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = text.slice(pos, (pos += codes[i]));
  for (let k = 0; k < d; k++) words[k] = text.slice(pos, (pos += wordLength[k]));
  const type = new Array<string>(n);
  const unit = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    type[i] = words[codes[n + i]];
    unit[i] = words[codes[2 * n + i]];
  }
  c.ids = ids;
  c.type = type;
  c.unit = unit;
  return c;
}
