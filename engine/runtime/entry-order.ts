// The order of a batch's ledger entries: bucket by bucket, buckets in order of first appearance,
// entries in decision order within each. The commit writes them so, a segment per bucket
// (commit.ts), and whoever reads the batch back from the store (export, a rerun adopting it, a
// worker publishing its outputs again after a crash) gets them so; the batch's own billing lines
// are written in the same order, so every path writes the same bytes. A batch routed bucket by
// bucket (meterflow run's decoding thread, meterflow publish) is in that order already: checked,
// not sorted. One meter is in one bucket: its entries keep their order.
import { permuteEntries } from "../store/history.js";
import type { HistoryEntries } from "../store/history.js";

/** What an entry's meter key says of its bucket (the working set). */
export interface KeyBuckets {
  bucketOfKey(key: number): number;
}

/** Puts `h`'s entries bucket by bucket, in place; returns whether they moved. */
export function groupEntriesByBucket(buckets: KeyBuckets, h: HistoryEntries): boolean {
  const n = h.length;
  const group = new Map<number, number>();
  let last = -1;
  let grouped = true;
  for (let i = 0; i < n && grouped; i++) {
    const b = buckets.bucketOfKey(h.meter[i]);
    if (b === last) continue;
    grouped = !group.has(b);
    group.set(b, group.size);
    last = b;
  }
  if (grouped) return false;
  // A counting sort by the bucket's rank of first appearance (stable).
  const rank = new Int32Array(n);
  group.clear();
  for (let i = 0; i < n; i++) {
    const b = buckets.bucketOfKey(h.meter[i]);
    let r = group.get(b);
    if (r === undefined) group.set(b, (r = group.size));
    rank[i] = r;
  }
  const starts = new Int32Array(group.size + 1);
  for (let i = 0; i < n; i++) starts[rank[i] + 1]++;
  for (let r = 0; r < group.size; r++) starts[r + 1] += starts[r];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[starts[rank[i]]++] = i;
  permuteEntries(h, order);
  return true;
}
