// Fixtures of the store contract suite (contract.ts): registry rows, commits, held readings,
// and registering meters through the bucket encodings as the runtime does.
import { mergeRegistry } from "../../../engine/store/bucket.js";
import { bucketOf } from "../../../engine/store/contract.js";
import type { Commit, HeldRecord, PartitionedStore, RegistryRow } from "../../../engine/store/contract.js";

/** Partitions of the suite's stores. */
export const P = 4;

export function meter(id: string, over: Partial<RegistryRow> = {}): RegistryRow {
  return {
    meterId: id, type: "electricity.register", unit: "kWh", scalingFactor: 1, resetValue: null, digits: null,
    rolloverMode: "documented", parentId: null, unitPrice: null, basicFeePerDay: null, costCenter: null, glAccount: null,
    lastReading: null, lastEnd: null, pulseWeight: null, pulseInput: null, pulseWidthMs: null, qmax: null,
    noPulseDays: null, debounceMs: null, ...over,
  };
}

/** A meter with every optional field set. */
export const full = (id: string) => meter(id, {
  type: "water.pulse", unit: "m3", scalingFactor: 0.5, resetValue: 99_999, digits: 5, rolloverMode: "modulus", parentId: "M-parent",
  unitPrice: 1.75, basicFeePerDay: 0.12, costCenter: "CC-7", glAccount: "4711", lastReading: 123.25, lastEnd: 20_100,
  pulseWeight: 0.01, pulseInput: "namur", pulseWidthMs: 40, qmax: 2.5, noPulseDays: 3, debounceMs: 5,
});

export function batch(batchId: string, fence: Commit["fence"], over: Partial<Commit> = {}): Commit {
  return {
    batchId, runId: 1, seq: 0, input: "readings.csv", rulesVersion: "r1", fence,
    counts: { rows: 1, billable: 1, held: 0, rejected: 0, duplicates: 0, sensor: 0 },
    state: [], segments: [], held: [], alerts: [], flags: [], audit: [], episodes: [], ...over,
  };
}

export const held = (readingId: string, meterId: string, over: Partial<HeldRecord> = {}): HeldRecord => ({
  readingId, meterId, endDay: 20_200, value: 1234.5, override: Number.NaN, source: 1, verification: 2,
  reasons: "implausible_rollover|spike", line: `{"readingId":"${readingId}"}`, ...over,
});

export const bytes = (data: Uint8Array | null) => (data === null ? null : Array.from(data));

/** Ids of `n` meters that fall in `bucket` of a P-partition store. */
export function idsIn(bucket: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (bucketOf(`M-${i}`, P) === bucket) out.push(`M-${i}`);
  return out;
}

/** Registers meters: rows and the registry BLOBs of their buckets, merged into what is stored. */
export async function register(store: PartitionedStore, rows: RegistryRow[]) {
  const groups = new Map<number, RegistryRow[]>();
  for (const r of rows) {
    const b = bucketOf(r.meterId, store.partitions);
    groups.set(b, [...(groups.get(b) ?? []), r]);
  }
  const stored = new Map((await store.readBuckets([...groups.keys()])).map((b) => [b.bucket, b]));
  const buckets = [...groups].map(([bucket, group]) => {
    const merged = mergeRegistry(stored.get(bucket)?.registry ?? null, group);
    return { bucket, meters: merged.meters, registry: merged.registry };
  });
  await store.writeRegistry(rows, buckets);
  return buckets;
}

