// The first registry import into an SQLite store runs under a rollback journal (each page written
// once) and leaves the file in WAL mode, whatever happens: a later import, an import beside
// another open connection, and an import that fails all keep WAL's guarantees.
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { RegistryTable } from "../../../engine/meters/registry-table.js";
import { encodeRegistry } from "../../../engine/store/bucket.js";
import { bucketOf } from "../../../engine/store/contract.js";
import type { PartitionedStore, RegistryBlobs } from "../../../engine/store/contract.js";
import { openSqlitePartitionedStore } from "../../../engine/store/sqlite/index.js";
import { tempDir } from "../../helpers/tmp.js";
import { meter } from "./contract-fixtures.js";

const dir = tempDir("meterflow-first-import-");
let files = 0;
const opened: Array<{ close(): unknown }> = [];
afterAll(async () => {
  for (const c of opened.splice(0)) await c.close();
});

async function open(): Promise<{ store: PartitionedStore; path: string }> {
  const path = join(dir, `s${files++}.db`);
  const store = await openSqlitePartitionedStore(path, { partitions: 2 });
  opened.push(store);
  return { store, path };
}

const records = Array.from({ length: 300 }, (_, i) => meter(`M-${i}`, { lastReading: i, lastEnd: 20_000 }));
const blobsOf = (store: PartitionedStore, rs = records): RegistryBlobs => {
  const byBucket = new Map<number, typeof rs>();
  for (const r of rs) {
    const b = bucketOf(r.meterId, store.partitions);
    byBucket.set(b, [...(byBucket.get(b) ?? []), r]);
  }
  return [...byBucket].map(([bucket, group]) => ({ bucket, meters: group.length, registry: encodeRegistry(group) }));
};

/** The journal mode the file's header says, read by a connection of its own. */
function journalMode(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma("journal_mode", { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** The records in tables of 50, calling `during` before each (the import is under way then); `fail`: throw after that many tables. */
async function* tables(during: () => void, fail = Infinity): AsyncGenerator<RegistryTable> {
  for (let from = 0, n = 0; from < records.length; from += 50, n++) {
    if (n === fail) throw new Error("the file could not be read further");
    during();
    yield RegistryTable.fromRecords(records.slice(from, from + 50));
  }
}

describe("the first registry import on SQLite", () => {
  it("runs under a rollback journal into an empty registry, in WAL into a filled one, and leaves WAL", async () => {
    const { store, path } = await open();
    expect(journalMode(path)).toBe("wal");
    const first: string[] = [];
    await store.writeRegistry(tables(() => first.push(journalMode(path))), async () => blobsOf(store));
    expect(new Set(first)).toEqual(new Set(["delete"]));
    expect(journalMode(path)).toBe("wal");
    const ids = records.map((r) => r.meterId);
    expect((await store.registry(ids)).map((r) => r.meterId)).toEqual(ids);

    const second: string[] = [];
    await store.writeRegistry(tables(() => second.push(journalMode(path))), async () => []);
    expect(new Set(second)).toEqual(new Set(["wal"]));
    expect(journalMode(path)).toBe("wal");
  });

  it("stays in WAL when another connection has the file open", async () => {
    const { store, path } = await open();
    const other = new Database(path);
    opened.push(other);
    expect(other.prepare("SELECT count(*) AS n FROM meters").get()).toEqual({ n: 0 });
    const modes: string[] = [];
    await store.writeRegistry(tables(() => modes.push(journalMode(path))), async () => blobsOf(store));
    expect(new Set(modes)).toEqual(new Set(["wal"]));
    // The other connection reads what was committed.
    expect(other.prepare("SELECT count(*) AS n FROM meters").get()).toEqual({ n: records.length });
  });

  it("rolls a failed first import back and leaves WAL", async () => {
    const { store, path } = await open();
    await expect(store.writeRegistry(tables(() => undefined, 3), async () => blobsOf(store))).rejects.toThrow(/could not be read further/);
    expect(journalMode(path)).toBe("wal");
    expect(await store.registry(records.map((r) => r.meterId))).toEqual([]);
    // The store goes on: the next first import lands whole.
    await store.writeRegistry(tables(() => undefined), async () => blobsOf(store));
    expect(await store.registry(records.map((r) => r.meterId))).toHaveLength(records.length);
    expect(journalMode(path)).toBe("wal");
  });

  it("is WAL again at the next open of a file a crash left in rollback mode", async () => {
    const path = join(dir, `s${files++}.db`);
    const first = await openSqlitePartitionedStore(path, { partitions: 2 });
    await first.close();
    const raw = new Database(path);
    raw.pragma("journal_mode = DELETE");
    raw.close();
    expect(journalMode(path)).toBe("delete");
    const again = await openSqlitePartitionedStore(path, { partitions: 2 });
    opened.push(again);
    expect(journalMode(path)).toBe("wal");
  });
});
