// One meter's recent readings (engine/store/ledger.ts recentBilled), read from the segments that
// hold it, newest first, on both stores: the same as the latest version of every day over the
// bucket's whole ledger, billed ones only, whatever the order segments came in (back-dated
// days, new versions of a day, held versions, segments that do not say their days or meters).
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../../engine/store/history.js";
import { createEntries, decodeSegment, encodeSegment, entryAt, pushEntry } from "../../../engine/store/history.js";
import { latestByDay, recentBilled } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "./postgres-env.js";

const dir = tempDir();
const STORES = [
  { kind: "sqlite", db: () => join(dir, `ledger-${Math.random().toString(36).slice(2)}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];

/** A small deterministic generator (the same ledger on every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

describe.each(STORES)("a meter's recent readings on $kind", ({ db }) => {
  const opened: PartitionedStore[] = [];
  afterAll(async () => {
    for (const store of opened) await store.close();
  });

  it("are the latest billed version of its latest days, read from the segments that hold it", async () => {
    const store = await openStore(db());
    opened.push(store);
    const bucket = 5;
    const rnd = random(42);
    const all = createEntries(4096);
    let readSegments = 0;
    for (let batch = 0; batch < 60; batch++) {
      const entries = createEntries(64);
      // Mostly later days, now and then a back-dated one or a new version of a day seen before.
      for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) {
        const meter = Math.floor(rnd() * 6);
        const end = 20_000 + (rnd() < 0.8 ? batch * 2 + Math.floor(rnd() * 3) : Math.floor(rnd() * batch * 2 + 1));
        const entry: HistoryEntry = { meter, end, value: batch * 10 + n, prev: Number.NaN, start: end - 1, consumption: n,
          billed: n, flags: 0, held: rnd() < 0.2 ? 1 : 0, override: Number.NaN };
        pushEntry(entries, entry);
        pushEntry(all, entry);
      }
      const rows = Array.from({ length: entries.length }, (_, i) => i);
      let maxEnd = -0x80000000;
      for (const i of rows) maxEnd = Math.max(maxEnd, entries.end[i]);
      // The first segments are as earlier versions wrote them: no days, no meters.
      const described = batch < 10 ? {} : { maxEnd, slots: Uint32Array.from(rows, (i) => entries.meter[i]) };
      await store.commit({
        batchId: `b${batch}`, runId: 0, seq: batch, input: "t", rulesVersion: "", fence: [], buckets: [{ bucket, version: batch, slots: null }],
        counts: { rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0 },
        state: [], segments: [{ bucket, entries: entries.length, data: new Uint8Array(encodeSegment(entries, rows)), ...described }],
        held: [], alerts: [], flags: [], audit: [], episodes: [],
      });
    }
    const counting: PartitionedStore = Object.create(store, {
      readSegmentsById: { value: async (ids: number[]) => {
        readSegments += ids.length;
        return store.readSegmentsById(ids);
      } },
      segmentsOf: { value: (b: number, s: number) => store.segmentsOf(b, s) },
    });
    // What every entry of the bucket says (decoded from all its segments, in commit order).
    const stored = createEntries(4096);
    for (const s of await store.readSegments([bucket])) decodeSegment(stored, s.data, s.entries);
    expect(stored.length).toBe(all.length);
    for (let meter = 0; meter < 6; meter++) {
      const mine: HistoryEntry[] = [];
      for (let i = 0; i < stored.length; i++) if (stored.meter[i] === meter) mine.push(entryAt(stored, i));
      const billed = latestByDay(mine).filter((e) => e.held === 0);
      for (const count of [1, 3, 20]) {
        readSegments = 0;
        expect(await recentBilled(counting, bucket, meter, count)).toEqual(billed.slice(-count));
        if (count === 1) expect(readSegments).toBeLessThan(60);
      }
      // A meter with no entries in the bucket reads no segment that says its meters.
      readSegments = 0;
      expect(await recentBilled(counting, bucket, 9, 20)).toEqual([]);
      expect(readSegments).toBe(10);
    }
    expect(await store.readSegmentsById([])).toEqual([]);
  });
});
