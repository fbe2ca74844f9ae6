// Baselines a registry import gives meters whose chain has begun: such a baseline moves nothing
// (README "A baseline is used only while the meter has no state of its own"), so an import that
// sets one says so (MF_WARN_REGISTRY_BASELINE_IGNORED). The audit's case: a device exchanged under
// the same meter_id, the registry imported again with the new device's start, and the new
// device's first reading decided against the old device's latest (a rollover, billed).
import { NO_DAY } from "../ingest/batch.js";
import { decodeState } from "../store/bucket-state.js";
import type { BucketRow, PartitionedStore } from "../store/contract.js";
import type { Rebased } from "./buckets.js";

/** The code of the warning an import gives when it sets a baseline that moves nothing. */
export const BASELINE_IGNORED = "MF_WARN_REGISTRY_BASELINE_IGNORED";

/** Meter ids the warning names; the rest are counted. */
const NAMED = 5;

/**
 * The ids of the meters `rebased` names whose chain has begun (their stored state has a latest
 * reading, so the registry's baseline is no longer read: working-set.ts), in file order; a new
 * baseline that is that latest reading itself is no news. `buckets`: the stored buckets of
 * `rebased` (readBuckets' rows; others may be among them).
 */
export function ignoredBaselines(rebased: Rebased, buckets: Iterable<Pick<BucketRow, "bucket" | "meters" | "state">>): string[] {
  const n = rebased.rows.length;
  if (n === 0) return [];
  const wanted = new Set(rebased.buckets);
  const states = new Map<number, { lastEnd: Int32Array; lastValue: Float64Array }>();
  for (const row of buckets) {
    // A bucket without committed state has no chain begun.
    if (wanted.has(row.bucket) && row.state !== null) states.set(row.bucket, decodeState(row.state, row.meters));
  }
  const found: number[] = [];
  for (let i = 0; i < n; i++) {
    const state = states.get(rebased.buckets[i]);
    if (state === undefined) continue;
    const slot = rebased.slots[i];
    const end = state.lastEnd[slot];
    if (end !== NO_DAY && !(end === rebased.ends[i] && state.lastValue[slot] === rebased.values[i])) found.push(i);
  }
  found.sort((a, b) => rebased.rows[a] - rebased.rows[b]);
  return found.map((i) => rebased.ids[i]);
}

/** ignoredBaselines over the state the store has now (its buckets read only when `rebased` names some). */
export async function ignoredBaselinesIn(store: PartitionedStore, rebased: Rebased): Promise<string[]> {
  if (rebased.rows.length === 0) return [];
  return ignoredBaselines(rebased, await store.readBuckets([...new Set(rebased.buckets)]));
}

/** The warning of an import that set these meters' baselines after their chain began (one line). */
export function baselineWarning(ids: readonly string[]): string {
  const named = ids.slice(0, NAMED).join(", ");
  const more = ids.length > NAMED ? ` and ${(ids.length - NAMED).toLocaleString("en")} more` : "";
  const meters = ids.length === 1 ? "1 meter" : `${ids.length.toLocaleString("en")} meters`;
  return `the registry gives a new baseline (last_reading, last_end) to ${meters} whose chain has begun: ${named}${more}. ` +
    "A baseline changed after a meter's chain began moves nothing: its next readings are decided against its latest reading; " +
    `a new device is a new meter_id [${BASELINE_IGNORED}]`;
}
