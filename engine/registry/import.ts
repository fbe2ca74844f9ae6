// Importing the meter registry into a store: rows read and validated (engine/meters), grouped by
// bucket, merged into each bucket's registry BLOB (known meters keep their slot) and written
// with the queryable rows in one transaction. The plugins' meter types fill the columns a row
// leaves empty, so an import depends on the file and on the meter types: a run skips it when
// both are what was imported last.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { MeterflowError } from "../errors.js";
import { readMeters } from "../meters/index.js";
import type { MeterRecord, RegistryRejection } from "../meters/index.js";
import { mergeRegistry } from "../store/bucket.js";
import { BUCKETS_PER_PARTITION, meterHash } from "../store/contract.js";
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

/** SHA-256 of the registry file and of the meter types that fill it. */
export function registryDigest(path: string, plugins: PluginRegistry): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new MeterflowError("MF_ERR_RUN", `cannot read meter registry ${path}`, { cause: error });
  }
  const types = plugins.meterTypes.map((t) => [t.plugin, plugins.plugin(t.plugin)?.version, t.name, t.unit, t.defaults]);
  return createHash("sha256").update(bytes).update(JSON.stringify(types)).digest("hex");
}

/**
 * Imports (upserts) a registry file. Unless `force`, skips it when the file and the meter types
 * are the ones imported last: a nightly run with an unchanged registry does not rewrite it.
 */
export async function importRegistry(store: PartitionedStore, path: string, plugins: PluginRegistry, force = false): Promise<RegistryImport> {
  const digest = registryDigest(path, plugins);
  if (!force && (await store.meta(DIGEST)) === digest) {
    const last = lastContent(await store.meta(CONTENT));
    if (last !== undefined) return { inserted: 0, updated: 0, unchanged: last.meters, rejected: last.rejected, skipped: true };
    // Imported by a version that did not record what the file held: read it once more.
  }
  // Without any meter type (no plugin defines one) types are taken as written, unchecked.
  const meterTypes = plugins.meterTypes.length === 0 ? undefined : (name: string) => plugins.meterType(name);
  const registry = await readMeters(path, { meterTypes });
  const counts = await writeMeters(store, registry.meters);
  await store.setMeta(REGISTERED, String(Number((await store.meta(REGISTERED)) ?? 0) + counts.inserted));
  await store.setMeta(CONTENT, JSON.stringify({ meters: registry.meters.length, rejected: registry.rejected.length }));
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
  const buckets = store.partitions * BUCKETS_PER_PARTITION;
  const byBucket = new Map<number, MeterRecord[]>();
  for (const m of meters) {
    const b = meterHash(m.meterId) % buckets;
    let list = byBucket.get(b);
    if (list === undefined) byBucket.set(b, (list = []));
    list.push(m);
  }
  const existing = new Map((await store.readBuckets([...byBucket.keys()])).map((row) => [row.bucket, row.registry]));
  const blobs: Array<{ bucket: number; meters: number; registry: Uint8Array }> = [];
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  for (const [bucket, records] of byBucket) {
    const merged = mergeRegistry(existing.get(bucket) ?? null, records);
    inserted += merged.inserted;
    updated += merged.updated;
    unchanged += merged.unchanged;
    if (merged.inserted + merged.updated > 0) blobs.push({ bucket, meters: merged.meters, registry: merged.registry });
  }
  await store.writeRegistry(meters, blobs);
  return { inserted, updated, unchanged };
}
