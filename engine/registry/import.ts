// Importing the meter registry into a store: rows read and validated into columns (engine/meters
// RegistryTable), grouped by bucket, merged into each bucket's registry BLOB (known meters keep
// their slot) and written with the queryable rows in one transaction. The plugins' meter types
// fill the columns a row leaves empty, so an import depends on the file and on the meter types:
// a run skips it when both are what was imported last.
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { MeterflowError, unreadableReason } from "../errors.js";
import { hasEveryRegistryColumn, readRegistry, RegistryTable } from "../meters/index.js";
import type { MeterRecord, RegistryRejection, StoredMeters } from "../meters/index.js";
import { BUCKETS_PER_PARTITION } from "../store/contract.js";
import { changedMeters } from "../store/bucket-registry.js";
import { useStoreTimeZone } from "../store/time-zone.js";
import { today } from "../time/index.js";
import type { PartitionedStore } from "../store/contract.js";
import type { PluginRegistry } from "../../sdk/registry.js";
import type { MeterTypeDefinition } from "../../sdk/index.js";
import { ignoredBaselines, ignoredBaselinesIn } from "./baselines.js";
import { groupByBucket, mergeBuckets } from "./buckets.js";
import type { BucketMerges } from "./buckets.js";
import { canImportInThread, startImportThread } from "./import-thread.js";

/** The meta key of the number of registered meters (kept by every import). */
export const REGISTERED = "meters_registered";
/** The meta key set ("1") before a store's registry is first written. */
const IMPORTING = "registry_written";
/** The meta key of the last import's file and meter types (their SHA-256). */
const DIGEST = "registry_sha256";
/** The meta key of what the last import's file held: `{ "meters": valid rows, "rejected": rows }`. */
const CONTENT = "registry_content";

/** What an import did. */
export interface RegistryImport {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /**
   * The file and the meter types were those imported last: nothing was read, and its meters
   * count as `unchanged` (and its bad rows as `rejected`, not listed again).
   */
  skipped?: true;
  /** The rows not imported, with their reasons (empty when skipped). */
  rejections?: RegistryRejection[];
  /**
   * The meters whose baseline (`last_reading`, `last_end`) this import changed, or gave where
   * there was none, after their chain had begun, in file order (absent: none): such a baseline
   * moves nothing (their next readings are decided against their latest reading).
   * MF_WARN_REGISTRY_BASELINE_IGNORED (baselineWarning) says so.
   */
  baselinesIgnored?: string[];
}

/** The meter types as the registry digest covers them (what fills a row's empty columns). */
function typesText(plugins: PluginRegistry): string {
  const types = plugins.meterTypes.map((t) => [t.plugin, plugins.plugin(t.plugin)?.version, t.name, t.unit, t.defaults]);
  return JSON.stringify(types);
}

/**
 * SHA-256 of the registry file and of the meter types that fill it. The file is hashed a chunk at
 * a time through one buffer: read whole, a million meters' 45 MB came into fresh pages each run
 * (0.2 s of a nightly run's main thread, for a file that is usually unchanged).
 */
export function registryDigest(path: string, plugins: PluginRegistry): string {
  const hash = createHash("sha256");
  try {
    const fd = openSync(path, "r");
    try {
      const chunk = Buffer.allocUnsafe(DIGEST_CHUNK);
      for (let n; (n = readSync(fd, chunk, 0, DIGEST_CHUNK, null)) > 0;) hash.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new MeterflowError("MF_ERR_RUN", `cannot read meter registry ${path}: ${unreadableReason(error)}`, { cause: error });
  }
  return hash.update(typesText(plugins)).digest("hex");
}

/** Bytes registryDigest reads at a time. */
const DIGEST_CHUNK = 1 << 20;

/** Rejects MF_ERR_RUN, as registryDigest, when the registry file cannot be read (without reading it all). */
export function checkRegistryFile(path: string): void {
  try {
    const fd = openSync(path, "r");
    try {
      readSync(fd, Buffer.alloc(1), 0, 1, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new MeterflowError("MF_ERR_RUN", `cannot read meter registry ${path}: ${unreadableReason(error)}`, { cause: error });
  }
}

/** Options of importRegistry. */
export interface ImportOptions {
  /**
   * Read the file in a thread of its own, its rows written to the store as they are read, when
   * it has at least this many bytes (default 8 MiB, about 180,000 meters); Infinity: never.
   */
  threadFromBytes?: number;
}

/** Registry files at least this large are read in a thread (see ImportOptions). */
const THREAD_FROM_BYTES = 8 << 20;

/**
 * Imports (upserts) a registry file. Unless `force`, skips it when the file and the meter types
 * are the ones imported last: a nightly run with an unchanged registry does not rewrite it.
 */
export async function importRegistry(store: PartitionedStore, path: string, plugins: PluginRegistry, force = false,
  options: ImportOptions = {}): Promise<RegistryImport> {
  // `last_end` date-times are read in the store's time zone.
  useStoreTimeZone(store);
  let digest: string | undefined;
  if (!force) {
    digest = registryDigest(path, plugins);
    if ((await store.meta(DIGEST)) === digest) {
      const last = lastContent(await store.meta(CONTENT));
      // Not skipped once a day has come that a row was rejected for lying after (a future last_end).
      if (last !== undefined && !(last.recheck !== undefined && today() >= last.recheck)) {
        return { inserted: 0, updated: 0, unchanged: last.meters, rejected: last.rejected, skipped: true };
      }
      // Imported by a version that did not record what the file held: read it once more.
    }
  } else {
    checkRegistryFile(path);
  }
  // The last import's digest is cleared first: a write that dies midway leaves none, so the next
  // import of that file is not skipped as if it had landed.
  if ((await store.meta(DIGEST)) !== undefined) await store.setMeta(DIGEST, "");
  // A file without every column over a store with meters keeps their stored values (importHere).
  // IMPORTING is set before a registry is first written: a store whose first import died after
  // writing its meters but before counting them keeps them too.
  const keeping = Number((await store.meta(REGISTERED)) ?? 0) > 0 || (await store.meta(IMPORTING)) === "1";
  if (!keeping) await store.setMeta(IMPORTING, "1");
  const threaded = !(keeping && !hasEveryRegistryColumn(path)) && canImportInThread() &&
    fileBytes(path) >= (options.threadFromBytes ?? THREAD_FROM_BYTES);
  const imported = threaded ? await importInThread(store, path, plugins, digest === undefined) : await importHere(store, path, plugins, digest === undefined, keeping);
  digest ??= imported.digest as string;
  await store.setMeta(REGISTERED, String(Number((await store.meta(REGISTERED)) ?? 0) + imported.inserted));
  // A row rejected for a last_end after tomorrow passes from the day before that last_end on.
  const recheck = Number.isFinite(imported.futureFrom) ? { recheck: imported.futureFrom - 1 } : {};
  await store.setMeta(CONTENT, JSON.stringify({ meters: imported.meters, rejected: imported.rejections.length, ...recheck }));
  await store.setMeta(DIGEST, digest);
  const { inserted, updated, unchanged, rejections, baselinesIgnored } = imported;
  return { inserted, updated, unchanged, rejected: rejections.length, rejections, ...(baselinesIgnored.length > 0 ? { baselinesIgnored } : {}) };
}

/** What reading and writing a registry did (before the meta of the import is written). */
interface Imported {
  inserted: number;
  updated: number;
  unchanged: number;
  meters: number;
  rejections: RegistryRejection[];
  /** The registry digest, when asked for. */
  digest: string | null;
  /** The earliest `last_end` rejected for lying in the future (Infinity: none). */
  futureFrom: number;
  /** RegistryImport.baselinesIgnored (empty: none). */
  baselinesIgnored: string[];
}

/** Without any meter type (no plugin defines one) types are taken as written, unchecked. */
const meterTypesOf = (plugins: PluginRegistry) => (plugins.meterTypes.length === 0 ? undefined : (name: string) => plugins.meterType(name));

/**
 * Reads the whole file into a table, then writes it: the way for small registries, and for a file
 * without every column over a store with meters (`keeping`): the columns a row lacks keep its
 * meter's stored values (README "Meter registry"), so the file is read again over them.
 */
async function importHere(store: PartitionedStore, path: string, plugins: PluginRegistry, digest: boolean, keeping: boolean): Promise<Imported> {
  // An import that was not skipped hashes the file as it reads it: one pass over its bytes.
  const hash = digest ? createHash("sha256") : undefined;
  const meterTypes = meterTypesOf(plugins);
  let registry = await readRegistry(path, { meterTypes }, { onBytes: hash === undefined ? undefined : (chunk) => hash.update(chunk) });
  if (keeping && registry.partial) {
    // The known meters whose stored row the file's row would change (a column it lacks may hold
    // a stored value), and those of its rejected rows (a row may be valid only over its stored
    // one): read again over their stored rows. A nightly file with the columns of the last one
    // changes few meters, and the rest of the file is read as it was the first time.
    const ids = await changedKnown(store, registry.table);
    for (const rejection of registry.rejected) if (rejection.meterId !== "") ids.push(rejection.meterId);
    const stored = await storedMeters(store, ids);
    if (stored.size > 0) registry = await readRegistry(path, { meterTypes, stored });
  }
  const counts = await writeTable(store, registry.table, true);
  return { ...counts, meters: registry.table.length, rejections: registry.rejected, digest: hash?.update(typesText(plugins)).digest("hex") ?? null,
    futureFrom: registry.futureFrom };
}

/**
 * Reads the file in a thread: the store writes its rows as they are read (SQLite in this thread
 * while the other reads; PostgreSQL ingests them meanwhile); once the file is read the thread
 * builds the BLOBs from the whole table, merged with the stored ones, while the last rows are
 * still being written; all in the store's one transaction.
 */
async function importInThread(store: PartitionedStore, path: string, plugins: PluginRegistry, digest: boolean): Promise<Imported> {
  const types = plugins.meterTypes.length === 0 ? null
    : plugins.meterTypes.map(({ name, unit, description, kind, defaults }) => ({ name, unit, description, kind, defaults }) as MeterTypeDefinition);
  const thread = startImportThread({
    path, types, digestSuffix: digest ? typesText(plugins) : null, buckets: store.partitions * BUCKETS_PER_PARTITION, rowsPerChunk: 1 << 13,
    timeZone: store.timeZone,
  });
  let merged: BucketMerges | undefined;
  try {
    await store.writeRegistry(thread.rows, async (stored) => {
      const read = await thread.read;
      merged = await thread.merge(await stored(read.touched));
      return merged.blobs;
    });
  } catch (error) {
    // The file's own error (a bad header, say) is the one to tell, not the rolled back write's.
    throw thread.failure() ?? error;
  } finally {
    await thread.close();
  }
  const read = await thread.read;
  const { inserted, updated, unchanged, rebased } = merged as BucketMerges;
  // The state of the buckets of the meters given a new baseline (none, most nights), as committed.
  const baselinesIgnored = await ignoredBaselinesIn(store, rebased);
  return { inserted, updated, unchanged, meters: read.meters, rejections: read.rejected, digest: read.digest, futureFrom: read.futureFrom, baselinesIgnored };
}

/** Meter ids asked of the store at a time. */
const STORED_CHUNK = 20_000;

/**
 * The ids of the table's known meters whose registry row it would change (mergeBuckets'
 * `updated`), in the table's order: a file sorted by id reads the stored rows in key order (in
 * bucket order a million took 9 s instead of 3.5).
 */
async function changedKnown(store: PartitionedStore, table: RegistryTable): Promise<string[]> {
  const groups = groupByBucket(table, store.partitions * BUCKETS_PER_PARTITION);
  const changed: string[] = [];
  for (const row of await store.readBuckets(groups.touched)) {
    changedMeters(row.registry, groups.table, groups.start[row.bucket], groups.start[row.bucket + 1], changed);
  }
  if (changed.length === 0) return changed;
  const set = new Set(changed);
  const out: string[] = [];
  for (let r = 0; r < table.length; r++) {
    const id = table.id(r);
    if (set.has(id)) out.push(id);
  }
  return out;
}

/**
 * The stored registry rows of these meters (those not stored are absent), kept as columns (a
 * million records kept as objects took 19 s and 700 MB to re-import a price file, as columns
 * 16.5 s and 530 MB): `get(id)` makes one when asked.
 */
async function storedMeters(store: PartitionedStore, ids: readonly string[]): Promise<StoredMeters & { size: number }> {
  const table = new RegistryTable(Math.min(ids.length, 1 << 20));
  const rows = new Map<string, number>();
  for (let from = 0; from < ids.length; from += STORED_CHUNK) {
    for (const row of await store.registry(ids.slice(from, from + STORED_CHUNK))) {
      if (rows.has(row.meterId)) continue;
      rows.set(row.meterId, table.length);
      table.pushRecord(row);
    }
  }
  return {
    size: rows.size,
    has: (id) => rows.has(id),
    get: (id) => {
      const row = rows.get(id);
      return row === undefined ? undefined : table.record(row);
    },
  };
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** What an import did, in one line: `0 inserted, 0 updated, 3,000 unchanged, 0 rejected`, and why when nothing was read. */
export function describeImport(r: Omit<RegistryImport, "rejections">): string {
  const n = (x: number) => x.toLocaleString("en");
  const counts = `${n(r.inserted)} inserted, ${n(r.updated)} updated, ${n(r.unchanged)} unchanged, ${n(r.rejected)} rejected`;
  return r.skipped === true ? `${counts} (the registry file and meter types are those imported last: not read again)` : counts;
}

/** What a run's summary.json says of its import (RunSummary.meters.imported). */
export type ImportSummary = Omit<RegistryImport, "rejections" | "baselinesIgnored"> & {
  /** RegistryImport.baselinesIgnored: how many, and the first 20 (absent: none). */
  baselines_ignored?: { meters: number; first: string[] };
};

/** An import's counts for a run's summary: the rejected rows are not listed there, nor more than the first meters a baseline was ignored for. */
export function importSummary({ rejections: _, baselinesIgnored, ...counts }: RegistryImport): ImportSummary {
  if (baselinesIgnored === undefined) return counts;
  return { ...counts, baselines_ignored: { meters: baselinesIgnored.length, first: baselinesIgnored.slice(0, 20) } };
}

function lastContent(text: string | undefined | null): { meters: number; rejected: number; recheck?: number } | undefined {
  if (text === undefined || text === null) return undefined;
  try {
    const v = JSON.parse(text) as { meters?: unknown; rejected?: unknown; recheck?: unknown };
    if (Number.isInteger(v.meters) && Number.isInteger(v.rejected)) {
      return { meters: v.meters as number, rejected: v.rejected as number, ...(Number.isInteger(v.recheck) ? { recheck: v.recheck as number } : {}) };
    }
  } catch {
    // not ours: read the file again
  }
  return undefined;
}

/** What writeTable did: its counts, and RegistryImport.baselinesIgnored (empty: none). */
export interface TableWrite {
  inserted: number;
  updated: number;
  unchanged: number;
  baselinesIgnored: string[];
}

/** Upserts registry records: each bucket's BLOB merged, the queryable rows replaced. */
export async function writeMeters(store: PartitionedStore, meters: readonly MeterRecord[]): Promise<TableWrite> {
  return writeTable(store, RegistryTable.fromRecords(meters), false);
}

/**
 * Upserts a table's meters: each bucket's BLOB merged, the queryable rows replaced, in one
 * transaction. `unique`: no meter id repeats in the table (a reader's table claims them);
 * otherwise a meter's last row wins.
 */
export async function writeTable(store: PartitionedStore, table: RegistryTable, unique: boolean): Promise<TableWrite> {
  // The queryable rows are written in the file's order (a registry sorted by id appends to the
  // key's B-tree), the BLOBs from the rows grouped by bucket.
  const groups = groupByBucket(table, store.partitions * BUCKETS_PER_PARTITION);
  const rows = await store.readBuckets(groups.touched);
  const stored = new Map(rows.map((row) => [row.bucket, row.registry]));
  const { blobs, inserted, updated, unchanged, rebased } = mergeBuckets(groups, stored, unique);
  await store.writeRegistry(table, blobs);
  // The buckets' state came with their registry BLOBs: which new baselines move nothing costs no read.
  return { inserted, updated, unchanged, baselinesIgnored: ignoredBaselines(rebased, rows) };
}
