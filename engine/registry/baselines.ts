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
  if (rebased.rows.length === 0) return [];
  const found: number[] = [];
  begun(rebased, byBucket(rebased), buckets, found);
  return inFileOrder(rebased, found);
}

/** Buckets ignoredBaselinesIn reads at a time: a registry that gives every meter a new baseline reads them all. */
const READ_BUCKETS = 256;

/** ignoredBaselines over the state the store has now (its buckets read only when `rebased` names some, a few at a time). */
export async function ignoredBaselinesIn(store: PartitionedStore, rebased: Rebased): Promise<string[]> {
  if (rebased.rows.length === 0) return [];
  const meters = byBucket(rebased);
  const buckets = [...meters.keys()];
  const found: number[] = [];
  for (let from = 0; from < buckets.length; from += READ_BUCKETS) {
    begun(rebased, meters, await store.readBuckets(buckets.slice(from, from + READ_BUCKETS)), found);
  }
  return inFileOrder(rebased, found);
}

/** The indexes into `rebased` of each bucket's meters. */
function byBucket(rebased: Rebased): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < rebased.buckets.length; i++) {
    const list = out.get(rebased.buckets[i]);
    if (list === undefined) out.set(rebased.buckets[i], [i]);
    else list.push(i);
  }
  return out;
}

/** Pushes onto `found` the indexes into `rebased` (`meters`, by bucket) of its meters in `buckets` whose chain has begun. */
function begun(rebased: Rebased, meters: ReadonlyMap<number, number[]>, buckets: Iterable<Pick<BucketRow, "bucket" | "meters" | "state">>,
  found: number[]): void {
  for (const row of buckets) {
    const list = meters.get(row.bucket);
    // A bucket without committed state has no chain begun.
    if (list === undefined || row.state === null) continue;
    const { lastEnd, lastValue } = decodeState(row.state, row.meters);
    for (const i of list) {
      const end = lastEnd[rebased.slots[i]];
      if (end !== NO_DAY && !(end === rebased.ends[i] && lastValue[rebased.slots[i]] === rebased.values[i])) found.push(i);
    }
  }
}

function inFileOrder(rebased: Rebased, found: number[]): string[] {
  found.sort((a, b) => rebased.rows[a] - rebased.rows[b]);
  return found.map((i) => rebased.ids[i]);
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
