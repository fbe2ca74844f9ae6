// A registry table's meters by bucket (contract.ts "Layout"): the rows grouped by bucket, and
// each bucket's registry BLOB merged with the stored one (known meters keep their slot). Both an
// import in this thread and the import thread (import-worker.ts) build their BLOBs here.
import type { RegistryTable } from "../meters/registry-table.js";
import { mergeTableRows } from "../store/bucket-registry.js";

/** A table's rows in bucket order, each bucket's range of them, and the buckets that have rows. */
export interface BucketGroups {
  /** The rows in bucket order (in table order within a bucket). */
  table: RegistryTable;
  /** Bucket b's rows are `[start[b], start[b + 1])` of `table`. */
  start: Int32Array;
  touched: number[];
  /** Where the rows of the table given went: its row r is row `to[r]` of `table`. */
  to: Int32Array;
}

/**
 * Known meters whose baseline (`last_reading`, `last_end`) a merge set to another one, as
 * columns: its row in the table given (file order), its bucket and slot, its id and new baseline.
 */
export interface Rebased {
  rows: number[];
  buckets: number[];
  slots: number[];
  ids: string[];
  values: number[];
  ends: number[];
}

/** What merging a table into the stored BLOBs gives: the BLOBs that changed, the counts, and the meters given a new baseline. */
export interface BucketMerges {
  blobs: Array<{ bucket: number; meters: number; registry: Uint8Array }>;
  inserted: number;
  updated: number;
  unchanged: number;
  rebased: Rebased;
}

/**
 * Groups a table's rows by bucket (a counting sort on the ids' hashes), moving them in one
 * scatter pass: each bucket's rows are then one range, read in order.
 */
export function groupByBucket(table: RegistryTable, buckets: number): BucketGroups {
  const n = table.length;
  const start = new Int32Array(buckets + 1);
  // Each row's bucket once (a modulo of a hash above 2^31 is a floating-point one), then its place.
  const to = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const b = table.hash[r] % buckets;
    to[r] = b;
    start[b + 1]++;
  }
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const next = start.slice(0, buckets);
  for (let r = 0; r < n; r++) to[r] = next[to[r]]++;
  const touched: number[] = [];
  for (let b = 0; b < buckets; b++) if (start[b + 1] > start[b]) touched.push(b);
  return { table: table.permute(to), start, touched, to };
}

/**
 * Merges every touched bucket's rows into its stored BLOB (`stored`; absent: a new bucket).
 * `unique`: no meter id repeats in the table (a reader's table); otherwise a meter's last row wins.
 */
export function mergeBuckets(groups: BucketGroups, stored: ReadonlyMap<number, Uint8Array>, unique: boolean): BucketMerges {
  const rebased: Rebased = { rows: [], buckets: [], slots: [], ids: [], values: [], ends: [] };
  const out: BucketMerges = { blobs: [], inserted: 0, updated: 0, unchanged: 0, rebased };
  const t = groups.table;
  for (const bucket of groups.touched) {
    const merged = mergeTableRows(stored.get(bucket) ?? null, t, groups.start[bucket], groups.start[bucket + 1], unique);
    out.inserted += merged.inserted;
    out.updated += merged.updated;
    out.unchanged += merged.unchanged;
    if (merged.inserted + merged.updated > 0) out.blobs.push({ bucket, meters: merged.meters, registry: merged.registry });
    for (let i = 0; i < merged.rebased.length; i += 2) {
      const r = merged.rebased[i];
      rebased.rows.push(r);
      rebased.buckets.push(bucket);
      rebased.slots.push(merged.rebased[i + 1]);
      rebased.ids.push(t.id(r));
      rebased.values.push(t.lastReading.get(r));
      rebased.ends.push(t.lastEnd.get(r));
    }
  }
  if (rebased.rows.length > 0) {
    // Rows of the table grouped back to rows of the table as it was given.
    const from = new Int32Array(groups.to.length);
    for (let r = 0; r < from.length; r++) from[groups.to[r]] = r;
    for (let i = 0; i < rebased.rows.length; i++) rebased.rows[i] = from[rebased.rows[i]];
  }
  return out;
}
