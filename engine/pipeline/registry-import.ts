// Importing the meter registry into the state: the plugins' meter types fill the columns a row
// leaves empty (and a type no plugin defines is rejected), so the import depends on the file and
// on the meter types. A run skips the import when both are what was imported last.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { MeterflowError } from "../errors.js";
import { readMeters } from "../meters/index.js";
import type { RegistryRejection } from "../meters/index.js";
import type { PluginRegistry } from "../../sdk/registry.js";
import type { Store } from "../store/types.js";

/** What an import did. */
export interface RegistryImport {
  inserted: number;
  updated: number;
  rejected: number;
  /** The file and the meter types were those imported last: nothing was read. */
  unchanged?: true;
  /** The rows not imported, with their reasons (empty when unchanged). */
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
 * Imports (upserts) the registry. Unless `force`, skips it when the file and the meter types are
 * the ones imported last: a nightly run with an unchanged registry does not rewrite it.
 */
export async function importRegistry(store: Store, path: string, plugins: PluginRegistry, force = false): Promise<RegistryImport> {
  const digest = registryDigest(path, plugins);
  if (!force && store.meta("registry_sha256") === digest) return { inserted: 0, updated: 0, rejected: 0, unchanged: true };
  // Without any meter type (no plugin defines one) types are taken as written, unchecked.
  const meterTypes = plugins.meterTypes.length === 0 ? undefined : (name: string) => plugins.meterType(name);
  const registry = await readMeters(path, { meterTypes });
  const counts = store.upsertMeters(registry.meters);
  store.setMeta("registry_sha256", digest);
  return { ...counts, rejected: registry.rejected.length, rejections: registry.rejected };
}
