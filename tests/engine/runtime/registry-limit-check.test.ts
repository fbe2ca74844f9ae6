// The decoding thread's register-limit check (runtime/bucket-window.ts RegistryLimitCheck) on a
// real store: readings above a meter's register (digits) are rejected `value_exceeds_register`
// in every batch, also once every bucket's registry has been read; a fleet without limits rejects
// nothing and, once each bucket is read, reads no registry again.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMeterIndex, readReadings, REJECT } from "../../../engine/ingest/index.js";
import type { ReadingBatch } from "../../../engine/ingest/index.js";
import { MeterBuckets, RegistryLimitCheck } from "../../../engine/runtime/bucket-window.js";
import { BUCKETS_PER_PARTITION } from "../../../engine/store/contract.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { openStore } from "../../../engine/store/open.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
/** Enough meters that every bucket of the store has some. */
const METERS = 60_000;
const id = (i: number) => `LIM-${i}`;

async function batchesOf(path: string, meters: ReturnType<typeof createMeterIndex>): Promise<ReadingBatch[]> {
  const out: ReadingBatch[] = [];
  for await (const b of readReadings(path, { meters, batchSize: 8000 })) out.push(b);
  return out;
}

/** The store with registry reads counted (the check reads limited registries, or registries). */
function counted(store: PartitionedStore): { store: PartitionedStore; reads: () => number } {
  let reads = 0;
  const s = store as PartitionedStore & Record<string, unknown>;
  const wrapped = new Proxy(s, {
    get(target, key) {
      const v = Reflect.get(target, key);
      if (typeof v !== "function") return v;
      if (key === "readLimitedRegistries" || key === "readRegistries" || key === "readBuckets") {
        return (...args: unknown[]) => {
          reads++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store: wrapped, reads: () => reads };
}

describe("RegistryLimitCheck", () => {
  for (const limited of [true, false]) {
    it(limited ? "rejects readings above a register in every batch, before and after every bucket is read"
      : "rejects nothing in a fleet without limits, and reads each bucket once", async () => {
      // Every 1000th meter has a 4-digit register when `limited`.
      const digits = (i: number) => (limited && i % 1000 === 0 ? "4" : "");
      const meters = write(dir, `meters-${limited}.csv`, [METERS_HEADER, ...Array.from({ length: METERS }, (_, i) => `${id(i)},electricity.register,kWh,1,,${digits(i)},,,,,,,,`)]);
      const db = join(dir, `limits-${limited}.db`);
      await runAndRead({ meters, inputs: [write(dir, `empty-${limited}.csv`, ["meter_id,end,value"])], db, out: join(dir, `out-${limited}`) });
      // Day 1: every meter below its register; day 2: the same, the 4-digit ones at 12,345.
      const day = (d: number) => write(dir, `day${d}-${limited}.csv`, ["meter_id,end,value",
        ...Array.from({ length: METERS }, (_, i) => `${id(i)},2026-11-0${d},${d === 2 && i % 1000 === 0 ? 12_345 : 100 + d}`)]);
      const raw = await openStore(db);
      try {
        const { store, reads } = counted(raw);
        const index = createMeterIndex();
        const buckets = new MeterBuckets(raw.partitions, index);
        const check = new RegistryLimitCheck(store, buckets);
        const rejected: string[] = [];
        const run = async (path: string) => {
          for (const b of await batchesOf(path, index)) {
            await check.reject(b);
            for (let r = 0; r < b.length; r++) if (b.reject[r] !== 0) rejected.push(`${index.idOf(b.meter[r])}:${b.reject[r]}`);
          }
        };
        await run(day(1));
        expect(rejected).toEqual([]);
        // Every bucket has meters, so every bucket was read by now.
        expect(new Set(Array.from({ length: METERS }, (_, i) => buckets.of(index.intern(id(i))))).size).toBe(raw.partitions * BUCKETS_PER_PARTITION);
        const afterDay1 = reads();
        expect(afterDay1).toBeGreaterThan(0);
        await run(day(2));
        expect(reads()).toBe(afterDay1);
        const want = limited ? Array.from({ length: METERS / 1000 }, (_, k) => `${id(k * 1000)}:${REJECT.value_exceeds_register}`) : [];
        expect(rejected.sort()).toEqual(want.sort());
      } finally {
        await raw.close();
      }
    });
  }
});
