// A commit's fence checked for shape before any store looks at its versions: every partition
// one of the store's, and named at one version only. Shared by the SQLite and PostgreSQL stores.
import type { Commit } from "./contract.js";
import { StoreError } from "./errors.js";

/** The fence as partition -> version; rejects a partition out of range or fenced at two versions. */
export function fenceVersions(c: Commit, partitions: number): Map<number, number> {
  const byPartition = new Map<number, number>();
  for (const f of c.fence) {
    if (!Number.isInteger(f.partition) || f.partition < 0 || f.partition >= partitions) {
      throw new StoreError("MF_ERR_STORE_WRITE", `batch ${c.batchId} fences partition ${f.partition}, not one of 0..${partitions - 1}`);
    }
    const seen = byPartition.get(f.partition);
    if (seen !== undefined && seen !== f.version) {
      throw new StoreError("MF_ERR_STORE_FENCED", `batch ${c.batchId} fences partition ${f.partition} at two versions`);
    }
    byPartition.set(f.partition, f.version);
  }
  return byPartition;
}
