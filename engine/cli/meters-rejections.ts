// The registry rows an import could not import, as `meterflow meters import` and
// `meterflow run --meters` list them: line, meter id and reason, a long list cut with a count.
import type { RegistryRejection } from "../meters/index.js";
import { count } from "./count.js";

/** Rows listed before the rest is counted. */
export const MAX_LISTED = 20;

/** `  line 7: M-3: unknown_meter_type`, the first `max` of them, then `  ... and N more`. */
export function rejectionLines(rejections: readonly RegistryRejection[], max = MAX_LISTED): string[] {
  const shown = rejections.length > max ? rejections.slice(0, max) : rejections;
  const lines = shown.map((r) => `  line ${r.line}: ${r.meterId || "(no id)"}: ${r.reason}`);
  if (shown.length < rejections.length) lines.push(`  ... and ${rejections.length - shown.length} more`);
  return lines;
}

/**
 * What happens to the meters of rows not imported: a meter registered before keeps the row it has
 * (its readings decided with it, held `unknown_meter_type` while no loaded plugin defines its
 * type, engine/decide/meter-types.ts); one never registered has its readings held `unknown_meter`.
 */
export function rejectionEffect(rejections: readonly RegistryRejection[]): string {
  const types = rejections.some((r) => r.reason === "unknown_meter_type")
    ? " (held unknown_meter_type while its registered type is one no loaded plugin defines)" : "";
  return `a meter registered before keeps its registry row${types}, a meter not registered has its readings held unknown_meter`;
}

/** For `run --meters`: the rows on standard error, and where the whole list is. */
export function printRegistryRejections(rejections: readonly RegistryRejection[], file: string): void {
  if (rejections.length === 0) return;
  const rows = rejections.length === 1 ? "1 row" : `${count(rejections.length)} rows`;
  console.error(`meterflow: meter registry: ${rows} not imported (all in ${file}; ${rejectionEffect(rejections)}):`);
  for (const line of rejectionLines(rejections)) console.error(line);
}
