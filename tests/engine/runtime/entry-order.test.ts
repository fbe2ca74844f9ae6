// A batch's ledger entries put bucket by bucket (engine/runtime/entry-order.ts), as the commit's
// segments keep them: buckets in order of first appearance, each meter's entries in their order,
// every entry once, whatever the order they came in.
import { describe, expect, it } from "vitest";
import { groupEntriesByBucket } from "../../../engine/runtime/entry-order.js";
import { appendEntry, createEntries } from "../../../engine/store/history.js";

/** Meter key k is in bucket k % buckets. */
const bucketsOf = (buckets: number) => ({ bucketOfKey: (key: number) => key % buckets });

describe("groupEntriesByBucket", () => {
  it("leaves entries already bucket by bucket as they are", () => {
    const h = createEntries(8);
    for (const key of [3, 13, 3, 5, 15, 7]) appendEntry(h, key, 0, key, 0, 0, 0, 0, 0, 0);
    expect(groupEntriesByBucket(bucketsOf(10), h)).toBe(false);
    expect(Array.from(h.meter.subarray(0, h.length))).toEqual([3, 13, 3, 5, 15, 7]);
  });

  it("groups by bucket, stable, every entry once, over random batches", () => {
    let s = 12345;
    const next = (n: number) => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    for (let round = 0; round < 200; round++) {
      const buckets = 1 + next(60);
      const h = createEntries(4);
      const n = next(300);
      // Each entry's value is its position as it came: the order within a meter is checked by it.
      for (let i = 0; i < n; i++) appendEntry(h, next(500), i, i, 0, 0, 0, 0, 0, 0);
      const before = Array.from(h.meter.subarray(0, n), (m, i) => ({ m, v: h.value[i], end: h.end[i] }));
      groupEntriesByBucket(bucketsOf(buckets), h);
      const after = Array.from(h.meter.subarray(0, n), (m, i) => ({ m, v: h.value[i], end: h.end[i] }));
      // The same entries (columns moved together)...
      expect([...after].sort((a, b) => a.v - b.v), `round ${round}`).toEqual(before);
      for (const e of after) expect(e.end).toBe(e.v);
      // ...bucket by bucket, buckets in order of first appearance, positions ascending within one.
      const firstSeen = [...new Set(before.map((e) => e.m % buckets))];
      const expected = firstSeen.flatMap((b) => before.filter((e) => e.m % buckets === b));
      expect(after, `round ${round}`).toEqual(expected);
    }
  });
});
