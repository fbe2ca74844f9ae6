// Operator flags read with each batch (runtime/flags.ts): the flags of the partitions whose
// buckets a batch loads are read while they load (prefetch); the partitions of buckets loaded
// before are read when the flags are applied; and a prefetch serves the batch it was made for
// only, never a later one (a flag set in between is seen).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setTempBad } from "../../../engine/operations/index.js";
import { FlagSync } from "../../../engine/runtime/flags.js";
import { WorkingSet } from "../../../engine/runtime/working-set.js";
import { meterHash } from "../../../engine/store/contract.js";
import { openStore } from "../../../engine/store/open.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();

describe("FlagSync", () => {
  it("applies the flags of prefetched and of other partitions, and a prefetch only to its own batch", async () => {
    const ids = Array.from({ length: 64 }, (_, i) => `E-${i}`);
    const meters = write(dir, "meters.csv", [METERS_HEADER, ...ids.map((id) => `${id},electricity.register,kWh,1,,,,,,,,,,`)]);
    const db = join(dir, "flags.db");
    await runAndRead({ meters, inputs: [write(dir, "none.csv", ["meter_id,end,value"])], db, out: join(dir, "out") });
    const store = await openStore(db);
    try {
      const ws = new WorkingSet(store);
      const flags = new FlagSync(store, ws);
      const partitionOfId = (id: string) => ws.partitionOfBucket(ws.bucketOf(id));
      // Two meters of different partitions.
      const a = ids[0];
      const b = ids.find((id) => partitionOfId(id) !== partitionOfId(a))!;
      await ws.loadBuckets([ws.bucketOf(a), ws.bucketOf(b)]);
      const keys = Int32Array.of(ws.find(a, meterHash(a)), ws.find(b, meterHash(b)));
      expect(Math.min(...keys)).toBeGreaterThanOrEqual(0);
      const tempBad = () => [...keys].map((k) => ws.state.tempBad[k]);

      await setTempBad(store, { meterId: a, reason: "under verification", actor: "ops" });
      await setTempBad(store, { meterId: b, reason: "magnet", actor: "ops" });
      // Only a's partition prefetched: b's is read when applied.
      flags.prefetch([partitionOfId(a)]);
      await flags.apply(keys, 2);
      expect(tempBad()).toEqual([1, 1]);

      // A prefetch made before a flag changed is not used by a later batch that prefetched nothing.
      flags.prefetch([partitionOfId(a), partitionOfId(b)]);
      await store.clearFlag(partitionOfId(a), a, "verified", "ops");
      flags.prefetch([]);
      await flags.apply(keys, 2);
      expect(tempBad()).toEqual([0, 1]);
    } finally {
      await store.close();
    }
  });
});
