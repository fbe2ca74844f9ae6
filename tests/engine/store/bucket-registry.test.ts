// Registry BLOBs built from a RegistryTable (engine/store/bucket-registry.ts) against the record
// by record build they replaced (kept here as the reference: a template-string digest hashed by
// meterHash, a slot per record, the string form of encodeColumns): byte for byte the same BLOBs
// and counts, for a new bucket written column by column from the ids' bytes, for merges into
// stored BLOBs, and after the table is permuted into bucket order.
import { describe, expect, it } from "vitest";
import { ROLLOVER_MODE } from "../../../engine/consumption/registers.js";
import { NO_DAY } from "../../../engine/ingest/batch.js";
import type { MeterRecord } from "../../../engine/meters/meter.js";
import { RegistryTable } from "../../../engine/meters/registry-table.js";
import { PULSE_INPUT } from "../../../engine/pulses/profiles.js";
import { createColumns, decodeRegistry, encodeColumns, F64, U8 } from "../../../engine/store/bucket-registry-blob.js";
import type { RegistryColumns } from "../../../engine/store/bucket-registry-blob.js";
import { mergeRegistry, mergeTableRows } from "../../../engine/store/bucket-registry.js";
import { meterHash } from "../../../engine/store/contract.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { meter } from "./contract-fixtures.js";

const nan = (v: number | null) => (v === null ? Number.NaN : v);
const same = (a: number, b: number) => a === b || (a !== a && b !== b);

function referenceDigest(r: MeterRecord): number {
  if (r.parentId === null && r.unitPrice === null && r.basicFeePerDay === null && r.costCenter === null &&
    r.glAccount === null && r.pulseInput === null && r.lastReading === null && r.lastEnd === null) return 0;
  return meterHash(`${r.parentId}\u0001${r.unitPrice}\u0001${r.basicFeePerDay}\u0001${r.costCenter}\u0001${r.glAccount}` +
    `\u0001${r.pulseInput}\u0001${r.lastReading}\u0001${r.lastEnd}`) || 1;
}

function referencePut(c: RegistryColumns, i: number, r: MeterRecord, check: boolean): boolean {
  const base = r.lastReading !== null && r.lastEnd !== null;
  const row = {
    scale: r.scalingFactor, reset: nan(r.resetValue), digits: r.digits ?? 0,
    mode: r.rolloverMode === "modulus" ? ROLLOVER_MODE.modulus : ROLLOVER_MODE.documented, pulseWeight: nan(r.pulseWeight),
    pulseInput: r.pulseInput !== null ? PULSE_INPUT[r.pulseInput] : 0, pulseWidthMs: nan(r.pulseWidthMs), qmax: nan(r.qmax),
    noPulseDays: nan(r.noPulseDays), debounceMs: nan(r.debounceMs), baseValue: base ? (r.lastReading as number) : Number.NaN,
    baseEnd: base ? (r.lastEnd as number) : NO_DAY, digest: referenceDigest(r),
  };
  const numbers = Object.keys(row) as Array<keyof typeof row>;
  if (check && c.type[i] === r.type && c.unit[i] === r.unit && numbers.every((k) => same(c[k][i], row[k]))) return false;
  c.ids[i] = r.meterId;
  c.type[i] = r.type;
  c.unit[i] = r.unit;
  for (const k of numbers) c[k][i] = row[k];
  return true;
}

/** The merge as it was: decode, a Map of slots, one record at a time, encode from strings. */
function referenceMerge(existing: Uint8Array | null, records: readonly MeterRecord[]) {
  const old = existing === null ? null : decodeRegistry(existing);
  const c = createColumns((old?.size ?? 0) + records.length);
  if (old !== null) {
    c.size = old.size;
    c.ids = [...old.ids];
    c.type = [...old.type];
    c.unit = [...old.unit];
    for (const name of [...F64, ...U8, "baseEnd", "digest"] as const) c[name].set(old[name].subarray(0, old.size));
  }
  const slotOf = new Map(c.ids.map((id, i) => [id, i]));
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  // Each stored meter's last record that changed it.
  const changedBy = new Map<number, number>();
  records.forEach((r, i) => {
    const slot = slotOf.get(r.meterId);
    if (slot === undefined) {
      slotOf.set(r.meterId, c.size);
      referencePut(c, c.size++, r, false);
      inserted++;
    } else if (referencePut(c, slot, r, true)) {
      updated++;
      if (old !== null && slot < old.size) changedBy.set(slot, i);
    } else {
      unchanged++;
    }
  });
  // The stored meters whose baseline the merge gave anew (another, or one where there was none): (record, slot) in record order.
  const rebased = [...changedBy].filter(([slot]) => c.baseEnd[slot] !== NO_DAY &&
    (c.baseEnd[slot] !== old!.baseEnd[slot] || !same(c.baseValue[slot], old!.baseValue[slot])))
    .sort((a, b) => a[1] - b[1]).flatMap(([slot, i]) => [i, slot]);
  return { registry: encodeColumns(c), meters: c.size, inserted, updated, unchanged, rebased };
}

function randomMeter(rand: () => number, id: string): MeterRecord {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const maybe = <T>(v: T): T | null => (rand() < 0.5 ? null : v);
  const number = () => pick([0, -0, 1, 2.5, 1e21, 123456789012345, 1234567890123456, -7, 0.1 + 0.2, 1.5e300, 5e-324, 2 ** 31, rand() * 1e6]);
  const text = () => pick(["", "kWh", "m³", "électricité", "電", "a\u0000b", "CC-1", "4711", "😀"]);
  const base = rand() < 0.5;
  return meter(id, {
    type: pick(["electricity.register", "water.pulse", "", "電.register"]), unit: pick(["kWh", "m3", ""]),
    scalingFactor: pick([1, 1, 2.5, 1e-3]), resetValue: maybe(pick([999, 1e6])), digits: maybe(pick([5, 8, 22])),
    rolloverMode: rand() < 0.8 ? "documented" : "modulus", parentId: maybe(pick(["P-1", "Zähler-2", "電表"])), unitPrice: maybe(number()),
    basicFeePerDay: maybe(number()), costCenter: maybe(text()), glAccount: maybe(text()),
    lastReading: base ? number() : null, lastEnd: base ? pick([0, -1, 20_000, -719_468, 2_932_896, Math.floor(rand() * 30_000)]) : null,
    pulseWeight: maybe(pick([0.001, 1])), pulseInput: maybe(pick(["s0a", "s0b", "namur", "reed"] as const)),
    pulseWidthMs: maybe(30), qmax: maybe(number()), noPulseDays: maybe(3), debounceMs: maybe(10),
  });
}

/** Records with columns all alike but a few, as fleets are (so constant columns and the digest prefix are exercised). */
function fleet(rand: () => number, n: number, prefix: string): MeterRecord[] {
  const shared = randomMeter(rand, "x");
  const vary = (["lastReading", "costCenter", "unitPrice", "pulseInput", "parentId"] as const).filter(() => rand() < 0.4);
  return Array.from({ length: n }, (_, i) => {
    const other = randomMeter(rand, `${prefix}-${i}`);
    const r: MeterRecord = { ...shared, meterId: other.meterId };
    for (const k of vary) (r as unknown as Record<string, unknown>)[k] = other[k];
    if (vary.includes("lastReading")) r.lastEnd = other.lastEnd;
    return r;
  });
}

describe("registry BLOBs from a table", () => {
  for (const seed of seeds(0xb10b)) {
    it(`are the record-by-record BLOBs, new and merged (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      for (let round = 0; round < 60; round++) {
        const n = Math.floor(rand() * 80);
        const records = rand() < 0.5 ? fleet(rand, n, `M${round}`) : Array.from({ length: n }, (_, i) => randomMeter(rand, `M${round}-${i}`));
        const expected = referenceMerge(null, records);
        const table = RegistryTable.fromRecords(records);
        expect(Buffer.from(mergeTableRows(null, table, 0, n, true).registry)).toEqual(Buffer.from(expected.registry));
        expect(Buffer.from(mergeRegistry(null, records).registry)).toEqual(Buffer.from(expected.registry));
        // Merges: some meters again (changed or not), some new, some twice.
        const again = [...records.filter(() => rand() < 0.5).map((r) => (rand() < 0.5 ? r : randomMeter(rand, r.meterId))),
          ...Array.from({ length: Math.floor(rand() * 20) }, (_, i) => randomMeter(rand, `N${round}-${i % 7}`)),
          // Stored meters twice: their last row wins, and says whether their baseline is new.
          ...records.filter(() => rand() < 0.2).map((r) => (rand() < 0.5 ? r : randomMeter(rand, r.meterId)))];
        const merged = mergeRegistry(expected.registry, again);
        const reference = referenceMerge(expected.registry, again);
        expect({ ...merged, registry: Buffer.from(merged.registry) }).toEqual({ ...reference, registry: Buffer.from(reference.registry) });
      }
    });
  }

  it("permute moves every row, its id bytes and hash with it", () => {
    const rand = mulberry32(7);
    const records = Array.from({ length: 500 }, (_, i) => randomMeter(rand, i % 3 === 0 ? `Ü-${i}` : `M-${i}`));
    const table = RegistryTable.fromRecords(records);
    const to = new Int32Array(records.length).map((_, i) => i);
    to.sort(() => rand() - 0.5);
    const moved = table.permute(to);
    expect(moved.length).toBe(records.length);
    records.forEach((r, i) => {
      expect(moved.record(to[i])).toEqual(r);
      expect(moved.hash[to[i]]).toBe(meterHash(r.meterId));
    });
    for (let i = 1; i < moved.length; i++) expect(moved.idStart[i]).toBe(moved.idEnd[i - 1]);
  });
});
