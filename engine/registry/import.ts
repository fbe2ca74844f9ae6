// Importing the meter registry into a store: rows read and validated into columns (engine/meters
// RegistryTable), grouped by bucket, merged into each bucket's registry BLOB (known meters keep
// their slot) and written with the queryable rows in one transaction. The plugins' meter types
// fill the columns a row leaves empty, so an import depends on the file and on the meter types:
// a run skips it when both are what was imported last.
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { MeterflowError } from "../errors.js";
import { readRegistry, RegistryTable } from "../meters/index.js";
import type { MeterRecord, RegistryRejection } from "../meters/index.js";
import { mergeTableRows } from "../store/bucket-registry.js";
import { BUCKETS_PER_PARTITION } from "../store/contract.js";
import type { PartitionedStore } from "../store/contract.js";
import type { PluginRegistry } from "../../sdk/registry.js";

/** The meta key of the number of registered meters (kept by every import). */
export const REGISTERED = "meters_registered";
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
}

/** The meter types as the registry digest covers them (what fills a row's empty columns). */
function typesText(plugins: PluginRegistry): string {
  const types = plugins.meterTypes.map((t) => [t.plugin, plugins.plugin(t.plugin)?.version, t.name, t.unit, t.defaults]);
  return JSON.stringify(types);
}

/** SHA-256 of the registry file and of the meter types that fill it. */
export function registryDigest(path: string, plugins: PluginRegistry): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new MeterflowError("MF_ERR_RUN", `cannot read meter registry ${path}`, { cause: error });
  }
  return createHash("sha256").update(bytes).update(typesText(plugins)).digest("hex");
}

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
    throw new MeterflowError("MF_ERR_RUN", `cannot read meter registry ${path}`, { cause: error });
  }
}

/**
 * Imports (upserts) a registry file. Unless `force`, skips it when the file and the meter types
 * are the ones imported last: a nightly run with an unchanged registry does not rewrite it.
 */
export async function importRegistry(store: PartitionedStore, path: string, plugins: PluginRegistry, force = false): Promise<RegistryImport> {
  let digest: string | undefined;
  if (!force) {
    digest = registryDigest(path, plugins);
    if ((await store.meta(DIGEST)) === digest) {
      const last = lastContent(await store.meta(CONTENT));
      if (last !== undefined) return { inserted: 0, updated: 0, unchanged: last.meters, rejected: last.rejected, skipped: true };
      // Imported by a version that did not record what the file held: read it once more.
    }
  } else {
    checkRegistryFile(path);
  }
  // Without any meter type (no plugin defines one) types are taken as written, unchecked.
  const meterTypes = plugins.meterTypes.length === 0 ? undefined : (name: string) => plugins.meterType(name);
  // An import that was not skipped hashes the file as it reads it: one pass over its bytes.
  const hash = digest === undefined ? createHash("sha256") : undefined;
  const registry = await readRegistry(path, { meterTypes }, hash === undefined ? undefined : (chunk) => hash.update(chunk));
  digest ??= (hash as ReturnType<typeof createHash>).update(typesText(plugins)).digest("hex");
  const counts = await writeTable(store, registry.table, true);
  await store.setMeta(REGISTERED, String(Number((await store.meta(REGISTERED)) ?? 0) + counts.inserted));
  await store.setMeta(CONTENT, JSON.stringify({ meters: registry.table.length, rejected: registry.rejected.length }));
  await store.setMeta(DIGEST, digest);
  return { ...counts, rejected: registry.rejected.length, rejections: registry.rejected };
}

/** What an import did, in one line: `0 inserted, 0 updated, 3,000 unchanged, 0 rejected`, and why when nothing was read. */
export function describeImport(r: Omit<RegistryImport, "rejections">): string {
  const n = (x: number) => x.toLocaleString("en");
  const counts = `${n(r.inserted)} inserted, ${n(r.updated)} updated, ${n(r.unchanged)} unchanged, ${n(r.rejected)} rejected`;
  return r.skipped === true ? `${counts} (the registry file and meter types are those imported last: not read again)` : counts;
}

function lastContent(text: string | undefined | null): { meters: number; rejected: number } | undefined {
  if (text === undefined || text === null) return undefined;
  try {
    const v = JSON.parse(text) as { meters?: unknown; rejected?: unknown };
    if (Number.isInteger(v.meters) && Number.isInteger(v.rejected)) return { meters: v.meters as number, rejected: v.rejected as number };
  } catch {
    // not ours: read the file again
  }
  return undefined;
}

/** Upserts registry records: each bucket's BLOB merged, the queryable rows replaced. */
export async function writeMeters(store: PartitionedStore, meters: readonly MeterRecord[]): Promise<{ inserted: number; updated: number; unchanged: number }> {
  return writeTable(store, RegistryTable.fromRecords(meters), false);
}

/**
 * Upserts a table's meters: each bucket's BLOB merged, the queryable rows replaced, in one
 * transaction. `unique`: no meter id repeats in the table (a reader's table claims them);
 * otherwise a meter's last row wins.
 */
export async function writeTable(store: PartitionedStore, table: RegistryTable, unique: boolean): Promise<{ inserted: number; updated: number; unchanged: number }> {
  const buckets = store.partitions * BUCKETS_PER_PARTITION;
  // The rows in bucket order, in table order within a bucket (a counting sort on the ids'
  // hashes): each bucket's rows are then one range, read in order. The queryable rows are
  // written in the file's order (a registry sorted by id appends to the key's B-tree).
  const n = table.length;
  const start = new Int32Array(buckets + 1);
  for (let r = 0; r < n; r++) start[(table.hash[r] % buckets) + 1]++;
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const next = start.slice(0, buckets);
  const to = new Int32Array(n);
  for (let r = 0; r < n; r++) to[r] = next[table.hash[r] % buckets]++;
  const byBucket = table.permute(to);
  const touched: number[] = [];
  for (let b = 0; b < buckets; b++) if (start[b + 1] > start[b]) touched.push(b);

  const existing = new Map((await store.readBuckets(touched)).map((row) => [row.bucket, row.registry]));
  const blobs: Array<{ bucket: number; meters: number; registry: Uint8Array }> = [];
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  for (const bucket of touched) {
    const merged = mergeTableRows(existing.get(bucket) ?? null, byBucket, start[bucket], start[bucket + 1], unique);
    inserted += merged.inserted;
    updated += merged.updated;
    unchanged += merged.unchanged;
    if (merged.inserted + merged.updated > 0) blobs.push({ bucket, meters: merged.meters, registry: merged.registry });
  }
  await store.writeRegistry(table, blobs);
  return { inserted, updated, unchanged };
}
