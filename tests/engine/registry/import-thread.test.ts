// importRegistry with the file read in its own thread (the rows written as they are read, the
// BLOBs built by the thread) against the import in one thread, on both stores: the same counts,
// rejections, digest, queryable rows and BLOBs, for a first import and a changed one; a file
// that cannot be read fails with its own error and writes nothing. The thread runs from the
// compiled code (dist/, as `meterflow` does): these tests load the built modules.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";
import { mulberry32 } from "../../helpers/random.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

type ImportModule = typeof import("../../../engine/registry/import.js");
type OpenModule = typeof import("../../../engine/store/open.js");
type PluginsModule = typeof import("../../../engine/plugins/index.js");
type Store = Awaited<ReturnType<OpenModule["openStore"]>>;

const built = (path: string) => pathToFileURL(join(packageRoot(), "dist", "engine", path)).href;
const { importRegistry } = (await import(built("registry/import.js"))) as ImportModule;
const { canImportInThread } = (await import(built("registry/import-thread.js"))) as typeof import("../../../engine/registry/import-thread.js");
const { openStore } = (await import(built("store/open.js"))) as OpenModule;
const { loadPlugins } = (await import(built("plugins/index.js"))) as PluginsModule;

const dir = tempDir("meterflow-import-thread-");
const plugins = await loadPlugins({ baseDir: dir, plugins: [] });
const opened: Store[] = [];
afterAll(async () => {
  for (const store of opened.splice(0)) await store.close();
});
let files = 0;
const dbs: Array<[string, () => string]> = [["SQLite", () => join(dir, `s${files++}.db`)]];
if (runPostgresTests) dbs.push(["PostgreSQL", () => testStoreUrl()]);

async function open(db: string): Promise<Store> {
  const store = await openStore(db, { partitions: 4 });
  opened.push(store);
  return store;
}

/** A registry of `n` meters, `version` changing some fields; a few bad rows. */
function registry(n: number, version: number, seed: number): string {
  const rand = mulberry32(seed);
  const lines = ["meter_id,type,unit,cost_center,last_reading,last_end,parent_id"];
  for (let i = 0; i < n; i++) {
    const id = rand() < 0.05 ? `Zähler-${i}` : `M-${String(i).padStart(6, "0")}`;
    const type = rand() < 0.9 ? "electricity.register" : rand() < 0.5 ? "water.pulse" : "bogus.type";
    const base = (i + version) % 3 === 0;
    lines.push([id, type, "", rand() < 0.3 ? `CC-${(i * version) % 7}` : "", base ? String(i * 10 + version) : "", base ? "2026-10-31" : "",
      i % 10 === 1 ? "M-000000" : ""].join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** Everything an import leaves in a store, as text (a deep comparison of 20,000 rows is slow). */
async function contents(store: Store, ids: string[]): Promise<string> {
  const buckets = Array.from({ length: store.partitions * 256 }, (_, b) => b);
  return JSON.stringify({
    rows: await store.registry(ids),
    blobs: (await store.readBuckets(buckets)).map((b) => [b.bucket, b.meters, Buffer.from(b.registry).toString("hex")]),
    meta: [await store.meta("registry_sha256"), await store.meta("registry_content"), await store.meta("meters_registered")],
  });
}

describe.skipIf(!canImportInThread())("registry import in a thread", () => {
  it.each(dbs)("gives what the import in one thread gives (%s)", async (_name, db) => {
    const first = join(dir, `first-${files}.csv`);
    const second = join(dir, `second-${files}.csv`);
    writeFileSync(first, registry(20_000, 1, 1));
    writeFileSync(second, registry(25_000, 2, 2));
    const ids = Array.from({ length: 25_000 }, (_, i) => `M-${String(i).padStart(6, "0")}`);
    const [threaded, here] = [await open(db()), await open(db())];
    for (const path of [first, second, second]) {
      const a = await importRegistry(threaded, path, plugins, false, { threadFromBytes: 0 });
      const b = await importRegistry(here, path, plugins, false, { threadFromBytes: Infinity });
      expect(a).toEqual(b);
      expect(a.inserted + a.updated + a.unchanged).toBeGreaterThan(15_000);
      expect(await contents(threaded, ids)).toEqual(await contents(here, ids));
    }
    const forced = await importRegistry(threaded, first, plugins, true, { threadFromBytes: 0 });
    expect(forced).toEqual(await importRegistry(here, first, plugins, true, { threadFromBytes: Infinity }));
    expect(forced.updated).toBeGreaterThan(0);
    expect(await contents(threaded, ids)).toEqual(await contents(here, ids));
  }, 120_000);

  it.each(dbs)("fails with the file's own error and writes nothing (%s)", async (_name, db) => {
    const store = await open(db());
    const bad = join(dir, `bad-${files}.csv`);
    writeFileSync(bad, "id,unit\nA,kWh\n");
    await expect(importRegistry(store, bad, plugins, true, { threadFromBytes: 0 })).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER" });
    expect(await store.registry(["A"])).toEqual([]);
    expect(await store.meta("registry_sha256")).toBeFalsy();
  });
});
