// A bucket's registry as columns by slot, built from a RegistryTable's rows (or registry
// records) and merged with what is stored (contract.ts "Layout"); bucket-registry-blob.ts
// encodes and decodes them.
//
// A meter keeps its slot for the life of the store: a merge updates known meters in place and
// appends new ones, so the bucket's state BLOB (bucket-state.ts), indexed by the same slots,
// stays aligned. `digest` hashes the fields that are in the queryable registry only (parent,
// prices, ...) so a merge tells a changed meter from an unchanged one without storing them twice.
import { NO_DAY } from "../ingest/batch.js";
import { RegistryTable } from "../meters/registry-table.js";
import type { NumberColumn, TextColumn } from "../meters/columns.js";
import type { MeterRecord } from "../meters/meter.js";
import { pulseInputName } from "../pulses/profiles.js";
import { createColumns, decodeRegistry, encodeColumns, F64, U8 } from "./bucket-registry-blob.js";
import type { RegistryColumns } from "./bucket-registry-blob.js";

/** The same columns with room for `capacity` (typed arrays copied, string arrays shared). */
function growColumns(c: RegistryColumns, capacity: number): RegistryColumns {
  const out = createColumns(capacity, true);
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

const same = (a: number, b: number) => a === b || (a !== a && b !== b);
const utf8 = new TextEncoder();
const SEP = 1;
const FNV_PRIME = 0x01000193;

/** FNV-1a continued over the UTF-8 bytes of `s`. */
function fnvText(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) {
      for (const byte of utf8.encode(s.slice(i))) h = Math.imul(h ^ byte, FNV_PRIME);
      return h;
    }
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h;
}

const digits = new Uint8Array(16);

/** FNV-1a continued over a number as String() prints it: integers below 1e15 digit by digit, without a string. */
function fnvNumber(h: number, v: number): number {
  if (!Number.isInteger(v) || v >= 1e15 || v <= -1e15) return fnvText(h, String(v));
  if (v < 0) h = Math.imul(h ^ 45, FNV_PRIME);
  let x = Math.abs(v);
  let n = 0;
  while (x >= 0x40000000) {
    digits[n++] = 48 + (x % 10);
    x = Math.floor(x / 10);
  }
  let small = x | 0;
  do {
    const q = (small / 10) | 0;
    digits[n++] = 48 + small - q * 10;
    small = q;
  } while (small > 0);
  while (n > 0) h = Math.imul(h ^ digits[--n], FNV_PRIME);
  return h;
}

/** FNV-1a continued over a field as a template string prints it (null, and NaN for a number not given, as "null"). */
const fnvValue = (h: number, v: string | number | null) =>
  v === null || v !== v ? fnvText(h, "null") : typeof v === "string" ? fnvText(h, v) : fnvNumber(h, v);

/** The fields digestOf hashes, in order. */
const digested = (t: RegistryTable) => [t.parentId, t.unitPrice, t.basicFeePerDay, t.costCenter, t.glAccount, t.pulseInput, t.lastReading, t.lastEnd];

/** The value of a digested field as digestOf prints it. */
function digestValue(t: RegistryTable, k: number, r: number): string | number | null {
  switch (k) {
    case 0: return t.parentId.get(r);
    case 1: return t.unitPrice.get(r);
    case 2: return t.basicFeePerDay.get(r);
    case 3: return t.costCenter.get(r);
    case 4: return t.glAccount.get(r);
    case 5: {
      const input = t.pulseInput.get(r);
      return input === input ? pulseInputName(input) : null;
    }
    case 6: return t.lastReading.get(r);
    default: return t.lastEnd.get(r);
  }
}

/**
 * Hash of the fields the BLOB does not carry as columns: meterHash of
 * `${parentId}\u0001${unitPrice}\u0001...${lastEnd}` as MeterRecord fields print (null as
 * "null"), 0 when all are null (never 0 otherwise). `prefix` fields are the same for every row:
 * their part of the hash is `prefixHash`.
 */
function digestOf(t: RegistryTable, r: number, prefix = 0, prefixHash = 0x811c9dc5, prefixGiven = false): number {
  let h = prefixHash;
  let given = prefixGiven;
  for (let k = prefix; k < 8; k++) {
    if (k > 0) h = Math.imul(h ^ SEP, FNV_PRIME);
    const v = digestValue(t, k, r);
    if (v !== null && v === v) given = true;
    h = fnvValue(h, v);
  }
  return given ? h >>> 0 || 1 : 0;
}

/** How many leading digested fields are the same for every row of `t`, their hash, and whether one is given. */
function digestPrefix(t: RegistryTable): { prefix: number; hash: number; given: boolean } {
  const columns = digested(t);
  let prefix = 0;
  while (prefix < columns.length && columns[prefix].data === null) prefix++;
  let h = 0x811c9dc5;
  let prefixGiven = false;
  for (let k = 0; k < prefix; k++) {
    if (k > 0) h = Math.imul(h ^ SEP, FNV_PRIME);
    const v = digestValue(t, k, 0);
    if (v !== null && v === v) prefixGiven = true;
    h = fnvValue(h, v);
  }
  return { prefix, hash: h, given: prefixGiven };
}

/** Writes table row `r` into slot `i`, or (check) tells whether slot `i` already holds it. */
function put(c: RegistryColumns, i: number, t: RegistryTable, r: number, check: boolean): boolean {
  const type = t.type.get(r) ?? "";
  const unit = t.unit.get(r) ?? "";
  const scale = t.scalingFactor.get(r);
  const reset = t.resetValue.get(r);
  const d = t.digits.get(r);
  const digits = d === d ? d : 0;
  const mode = t.rolloverMode.get(r);
  const weight = t.pulseWeight.get(r);
  const p = t.pulseInput.get(r);
  const input = p === p ? p : 0;
  const width = t.pulseWidthMs.get(r);
  const qmax = t.qmax.get(r);
  const noPulse = t.noPulseDays.get(r);
  const debounce = t.debounceMs.get(r);
  const last = t.lastReading.get(r);
  const end = t.lastEnd.get(r);
  const base = last === last && end === end;
  const baseValue = base ? last : Number.NaN;
  const baseEnd = base ? end : NO_DAY;
  const digest = digestOf(t, r);
  if (check && c.type[i] === type && c.unit[i] === unit && same(c.scale[i], scale) && same(c.reset[i], reset) &&
    c.digits[i] === digits && c.mode[i] === mode && same(c.pulseWeight[i], weight) && c.pulseInput[i] === input &&
    same(c.pulseWidthMs[i], width) && same(c.qmax[i], qmax) && same(c.noPulseDays[i], noPulse) &&
    same(c.debounceMs[i], debounce) && same(c.baseValue[i], baseValue) && c.baseEnd[i] === baseEnd && c.digest[i] === digest) {
    return false;
  }
  c.type[i] = type; c.unit[i] = unit;
  c.scale[i] = scale; c.reset[i] = reset; c.digits[i] = digits; c.mode[i] = mode;
  c.pulseWeight[i] = weight; c.pulseInput[i] = input; c.pulseWidthMs[i] = width; c.qmax[i] = qmax;
  c.noPulseDays[i] = noPulse; c.debounceMs[i] = debounce; c.baseValue[i] = baseValue; c.baseEnd[i] = baseEnd;
  c.digest[i] = digest;
  return true;
}

/** What a merge gives: the bucket's new BLOB and its counts (per row merged; they sum to the rows). */
export interface RegistryMerge {
  registry: Uint8Array;
  meters: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /**
   * The known meters whose baseline (`last_reading`, `last_end`) the merge set to another one
   * (changed, or given where there was none), as pairs: the table row, then the meter's slot. A
   * baseline moves nothing once a meter's chain has begun (registry/import.ts warns of those).
   */
  rebased: number[];
}

// The UTF-16 lengths of a new bucket's ids: reused, grown when too small.
let idUnits = new Uint32Array(1 << 10);

/**
 * Merges rows `[from, to)` of `table` into a bucket's registry BLOB (null: a new bucket). Known
 * meters keep their slot (updated in place when a field differs), new ones are appended; a
 * meter's last row wins. `unique`: no id repeats among the rows (a reader's table), so a new
 * bucket is written column by column, straight from the id bytes.
 */
export function mergeTableRows(existing: Uint8Array | null, table: RegistryTable, from: number, to: number, unique: boolean): RegistryMerge {
  const n = to - from;
  if (existing === null && unique) return newBucket(table, from, to);
  const old = existing === null ? null : decodeRegistry(existing);
  const c = old === null ? createColumns(n, true) : growColumns(old, old.size + n);
  const slotOf = new Map<string, number>();
  for (let i = 0; i < c.size; i++) slotOf.set(c.ids[i], i);
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  let rebased: number[] = [];
  const known = c.size;
  for (let r = from; r < to; r++) {
    const id = table.id(r);
    const slot = slotOf.get(id);
    if (slot === undefined) {
      slotOf.set(id, c.size);
      c.ids[c.size] = id;
      put(c, c.size++, table, r, false);
      inserted++;
    } else if (put(c, slot, table, r, true)) {
      updated++;
      // A stored meter (not one this merge appended): `old` holds its stored columns (c is a copy).
      if (slot < known && rebasedAt(c, old!, slot)) rebased.push(r, slot);
    } else {
      unchanged++;
    }
  }
  // A meter whose rows repeat (not `unique`) is told once, with its last row, if that row's baseline is new.
  if (!unique && rebased.length > 0) rebased = lastRebased(rebased, c, old!);
  return { registry: encodeColumns(c), meters: c.size, inserted, updated, unchanged, rebased };
}

/** Whether slot `i` has a baseline now, other than the one `old` stored (none, or another). */
const rebasedAt = (c: RegistryColumns, old: RegistryColumns, i: number) =>
  c.baseEnd[i] !== NO_DAY && (c.baseEnd[i] !== old.baseEnd[i] || !same(c.baseValue[i], old.baseValue[i]));

/**
 * Of `rebased` pairs (row, slot), each slot's last, if its merged baseline still differs from the
 * stored one, in row order.
 */
function lastRebased(rebased: number[], c: RegistryColumns, old: RegistryColumns): number[] {
  const last = new Map<number, number>();
  for (let i = 0; i < rebased.length; i += 2) last.set(rebased[i + 1], rebased[i]);
  const pairs = [...last].filter(([slot]) => rebasedAt(c, old, slot)).sort((a, b) => a[1] - b[1]);
  return pairs.flatMap(([slot, r]) => [r, slot]);
}

/**
 * Pushes onto `out` the ids of rows `[from, to)` of `table` whose meter the bucket's BLOB holds
 * with other values: the known meters a merge would update (a re-import's, registry/import.ts).
 */
export function changedMeters(existing: Uint8Array, table: RegistryTable, from: number, to: number, out: string[]): void {
  if (existing.length === 0) return;
  // A decoded copy, written over where a row differs (put's check) and dropped.
  const c = decodeRegistry(existing);
  const slotOf = new Map<string, number>();
  for (let i = 0; i < c.size; i++) slotOf.set(c.ids[i], i);
  for (let r = from; r < to; r++) {
    const id = table.id(r);
    const slot = slotOf.get(id);
    if (slot !== undefined && put(c, slot, table, r, true)) out.push(id);
  }
}

/** Column `col` of rows `[from, from + n)` into `out`, NaN written as `nan`. */
function gather(out: Float64Array | Int32Array | Uint8Array, col: NumberColumn, from: number, n: number, nan: number): void {
  const data = col.data;
  if (data === null) {
    const v = col.constant;
    out.fill(v === v ? v : nan, 0, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = data[from + i];
    out[i] = v === v ? v : nan;
  }
}

function gatherText(col: TextColumn, from: number, n: number): string[] {
  const data = col.data;
  if (data === null) return new Array<string>(n).fill(col.constant ?? "");
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = data[from + i] ?? "";
  return out;
}

/** The BLOB of a new bucket of rows `[from, to)` (no id repeats, ids one after another in the arena), column by column. */
function newBucket(t: RegistryTable, from: number, to: number): RegistryMerge {
  const n = to - from;
  const c = createColumns(n, true);
  c.size = n;
  if (idUnits.length < n) idUnits = new Uint32Array(2 * n);
  const units = idUnits;
  for (let r = from, i = 0; r < to; r++, i++) units[i] = t.asciiIds ? t.idEnd[r] - t.idStart[r] : t.id(r).length;
  const text = t.arena.subarray(n === 0 ? 0 : t.idStart[from], n === 0 ? 0 : t.idEnd[to - 1]);
  c.type = gatherText(t.type, from, n);
  c.unit = gatherText(t.unit, from, n);
  gather(c.scale, t.scalingFactor, from, n, Number.NaN);
  gather(c.reset, t.resetValue, from, n, Number.NaN);
  gather(c.digits, t.digits, from, n, 0);
  gather(c.mode, t.rolloverMode, from, n, 0);
  gather(c.pulseWeight, t.pulseWeight, from, n, Number.NaN);
  gather(c.pulseInput, t.pulseInput, from, n, 0);
  gather(c.pulseWidthMs, t.pulseWidthMs, from, n, Number.NaN);
  gather(c.qmax, t.qmax, from, n, Number.NaN);
  gather(c.noPulseDays, t.noPulseDays, from, n, Number.NaN);
  gather(c.debounceMs, t.debounceMs, from, n, Number.NaN);
  // A baseline needs both fields (the reader gives both or neither).
  gather(c.baseValue, t.lastReading, from, n, Number.NaN);
  gather(c.baseEnd, t.lastEnd, from, n, NO_DAY);
  for (let i = 0; i < n; i++) {
    if (c.baseValue[i] !== c.baseValue[i] || c.baseEnd[i] === NO_DAY) {
      c.baseValue[i] = Number.NaN;
      c.baseEnd[i] = NO_DAY;
    }
  }
  const { prefix, hash, given } = digestPrefix(t);
  if (prefix === 8 || n === 0) c.digest.fill(n === 0 ? 0 : digestOf(t, from, prefix, hash, given), 0, n);
  else for (let i = 0; i < n; i++) c.digest[i] = digestOf(t, from + i, prefix, hash, given);
  return { registry: encodeColumns(c, { text, units }), meters: n, inserted: n, updated: 0, unchanged: 0, rebased: [] };
}

/**
 * Merges registry records into a bucket's registry BLOB (null: a new bucket). Known meters keep
 * their slot (updated in place when a field differs), new ones are appended; within `records`
 * the last row of a meter wins. Counts are per record (they sum to `records.length`).
 */
export function mergeRegistry(existing: Uint8Array | null, records: readonly MeterRecord[]): RegistryMerge {
  return mergeTableRows(existing, RegistryTable.fromRecords(records), 0, records.length, false);
}

/** The registry BLOB of these records (one bucket's meters; a repeated meter id keeps its last row). */
export function encodeRegistry(records: readonly MeterRecord[]): Uint8Array {
  return mergeRegistry(null, records).registry;
}
