// A bucket's registry as columns by slot, built from registry records and merged with what is
// stored (contract.ts "Layout"); bucket-registry-blob.ts encodes and decodes them.
//
// A meter keeps its slot for the life of the store: a merge updates known meters in place and
// appends new ones, so the bucket's state BLOB (bucket-state.ts), indexed by the same slots,
// stays aligned. `digest` hashes the fields that are in the queryable registry only (parent,
// prices, ...) so a merge tells a changed meter from an unchanged one without storing them twice.
import { ROLLOVER_MODE } from "../consumption/registers.js";
import { NO_DAY } from "../ingest/batch.js";
import type { MeterRecord } from "../meters/meter.js";
import { PULSE_INPUT } from "../pulses/profiles.js";
import { createColumns, decodeRegistry, encodeColumns, F64, U8 } from "./bucket-registry-blob.js";
import type { RegistryColumns } from "./bucket-registry-blob.js";
import { meterHash } from "./contract.js";

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
  const c = old === null ? createColumns(records.length, true) : growColumns(old, old.size + records.length);
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

