// Runs the store contract suite (contract.ts) on every implementation: one line each.
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { openSqlitePartitionedStore } from "../../../engine/store/sqlite/index.js";
import { tempDir } from "../../helpers/tmp.js";
import { describeStoreContract } from "./contract.js";
import type { StoreHarness } from "./contract.js";
import { postgresHarness, runPostgresTests } from "./postgres-env.js";

const dir = tempDir("meterflow-contract-");
let files = 0;

/** A fresh SQLite file; every store opened on it is closed, and the file removed, on cleanup. */
async function sqliteHarness(options: { partitions: number }): Promise<StoreHarness> {
  const path = join(dir, `store-${files++}.db`);
  const stores: PartitionedStore[] = [];
  const open = async (more: { partitions?: number } = {}) => {
    const store = await openSqlitePartitionedStore(path, more);
    stores.push(store);
    return store;
  };
  return {
    store: await open(options),
    open,
    async cleanup() {
      for (const store of stores) await store.close();
      for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
    },
  };
}

describeStoreContract("sqlite", sqliteHarness);
if (runPostgresTests) describeStoreContract("postgres", postgresHarness);
