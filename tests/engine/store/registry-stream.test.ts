// writeRegistry with rows that arrive as they are read (tables of consecutive rows) and BLOBs
// written after them, on both stores: the same registry as writing it whole; the BLOB source
// reads the stored BLOBs as the import found them, while the rows are written; a source that
// fails midway, or a BLOB source that fails, leaves nothing written.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RegistryTable } from "../../../engine/meters/registry-table.js";
import { encodeRegistry } from "../../../engine/store/bucket.js";
import { bucketOf } from "../../../engine/store/contract.js";
import type { PartitionedStore, RegistryBlobs } from "../../../engine/store/contract.js";
import { openSqlitePartitionedStore } from "../../../engine/store/sqlite/index.js";
import { tempDir } from "../../helpers/tmp.js";
import { meter } from "./contract-fixtures.js";
import { openTestStore, runPostgresTests } from "./postgres-env.js";

const dir = tempDir("meterflow-registry-stream-");
let files = 0;
const opened: PartitionedStore[] = [];
afterAll(async () => {
  for (const store of opened.splice(0)) await store.close();
});

const kinds: Array<[string, () => Promise<PartitionedStore>]> = [["sqlite", async () => {
  const store = await openSqlitePartitionedStore(join(dir, `s${files++}.db`), { partitions: 2 });
  opened.push(store);
  return store;
}]];
if (runPostgresTests) {
  kinds.push(["postgres", () => openTestStore({ partitions: 2 })]);
  // A pool of one: the BLOB source's reads wait for the rows and share the import's connection.
  kinds.push(["postgres with one connection", () => openTestStore({ partitions: 2, maxConnections: 1 })]);
}

const records = Array.from({ length: 700 }, (_, i) => meter(`M-${i}`, { costCenter: i % 3 === 0 ? "CC" : null, lastReading: i % 2 ? 5 : null, lastEnd: i % 2 ? 20_000 : null }));
const blobsOf = (store: PartitionedStore): RegistryBlobs => {
  const byBucket = new Map<number, typeof records>();
  for (const r of records) {
    const b = bucketOf(r.meterId, store.partitions);
    byBucket.set(b, [...(byBucket.get(b) ?? []), r]);
  }
  return [...byBucket].map(([bucket, rs]) => ({ bucket, meters: rs.length, registry: encodeRegistry(rs) }));
};

/** The records as tables of `size` consecutive rows, arriving one by one; `fail` after that many. */
async function* tables(size: number, fail = Infinity): AsyncGenerator<RegistryTable> {
  for (let from = 0, n = 0; from < records.length; from += size, n++) {
    if (n === fail) throw new Error("the file could not be read further");
    await new Promise((resolve) => setImmediate(resolve));
    yield RegistryTable.fromRecords(records.slice(from, from + size));
  }
}

describe.each(kinds)("writeRegistry streamed on %s", (_kind, open) => {
  it("writes what writing it whole writes", async () => {
    const [whole, streamed] = [await open(), await open()];
    await whole.writeRegistry(records, blobsOf(whole));
    let asked: number[] = [];
    await streamed.writeRegistry(tables(64), async (stored) => {
      asked = blobsOf(streamed).map((b) => b.bucket);
      expect(await stored(asked)).toEqual([]);
      return blobsOf(streamed);
    });
    const ids = records.map((r) => r.meterId);
    expect(await streamed.registry(ids)).toEqual(await whole.registry(ids));
    expect(await streamed.readBuckets(asked)).toEqual(await whole.readBuckets(asked));
    // A second import reads the stored BLOBs in its transaction.
    const written = new Map(blobsOf(streamed).map((b) => [b.bucket, Buffer.from(b.registry)]));
    await streamed.writeRegistry(tables(300), async (stored) => {
      const got = await stored([...asked, 99_999]);
      expect(got.map((b) => b.bucket).sort((a, b) => a - b)).toEqual([...asked].sort((a, b) => a - b));
      expect(got.map((b) => Buffer.from(b.registry))).toEqual(got.map((b) => written.get(b.bucket)));
      return [];
    });
  });

  it("writes every id as it is, of one width or not, with gaps between them or not", async () => {
    const store = await open();
    // Zero-padded ids (one width, back to back), then ids of other widths, then a table whose ids have gaps.
    const padded = Array.from({ length: 600 }, (_, i) => meter(`Z-${String(i).padStart(6, "0")}`, { lastReading: i, lastEnd: 20_000 }));
    const mixed = Array.from({ length: 300 }, (_, i) => meter(i % 7 === 0 ? `Zähler-${i}` : `X-${i}`));
    const sparse = RegistryTable.fromRecords([]);
    for (const r of padded.slice(0, 300)) {
      sparse.addIdString("rejected-claim");
      sparse.pushRecord(r);
    }
    async function* source() {
      yield RegistryTable.fromRecords(padded.slice(300));
      yield sparse;
      yield RegistryTable.fromRecords(mixed);
    }
    await store.writeRegistry(source(), []);
    const all = [...padded.slice(300), ...padded.slice(0, 300), ...mixed];
    expect(await store.registry(all.map((r) => r.meterId))).toEqual(all);
  });

  it.skipIf(_kind !== "sqlite")("keeps a meter's last row when one is written twice, in order or not", async () => {
    const store = await open();
    const rows = [meter("B", { costCenter: "1" }), meter("B", { costCenter: "2" }), meter("A", { costCenter: "3" }), meter("C"), meter("A", { costCenter: "4" })];
    await store.writeRegistry(rows, []);
    expect((await store.registry(["A", "B", "C"])).map((r) => r.costCenter)).toEqual(["4", "2", null]);
  });

  it("writes nothing when the rows' source or the BLOBs' fail", async () => {
    const store = await open();
    await expect(store.writeRegistry(tables(100, 3), async () => blobsOf(store))).rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
    await expect(store.writeRegistry(tables(100), async () => {
      throw new Error("no BLOBs");
    })).rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
    expect(await store.registry(records.map((r) => r.meterId))).toEqual([]);
    expect(await store.readBuckets(blobsOf(store).map((b) => b.bucket))).toEqual([]);
    // And the store goes on: the same write, whole, works.
    await store.writeRegistry(records, blobsOf(store));
    expect(await store.registry(["M-1"])).toEqual([records[1]]);
  });
});
