// One meter's recent readings (engine/store/ledger.ts recentChain) and the late path's chains
// (readChains), read from the segments that hold them, newest first, on both stores: the same as
// the latest version of every day over the bucket's whole ledger, whatever the order segments
// came in (back-dated days, new versions of a day, held versions, segments that do not say their
// days or meters), and fewer segments read when the answer is recent.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../../engine/store/history.js";
import { createEntries, decodeSegment, encodeSegment, entryAt, pushEntry } from "../../../engine/store/history.js";
import { inChain } from "../../../engine/decide/chain.js";
import { FLAG } from "../../../engine/flags/flags.js";
import { latestByDay, readChains, recentChain } from "../../../engine/store/ledger.js";
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

  /** 60 batches of a bucket's ledger in random order of days, versions and holds; every entry committed, in order. */
  async function randomLedger(store: PartitionedStore, bucket: number, seed: number): Promise<void> {
    const rnd = random(seed);
    for (let batch = 0; batch < 60; batch++) {
      const entries = createEntries(64);
      // Mostly later days, now and then a back-dated one or a new version of a day seen before.
      for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) {
        const meter = Math.floor(rnd() * 6);
        const end = 20_000 + (rnd() < 0.8 ? batch * 2 + Math.floor(rnd() * 3) : Math.floor(rnd() * batch * 2 + 1));
        const held = rnd() < 0.2 ? 1 : 0;
        // Now and then a held baseline: in the chain though held.
        const flags = held === 1 && rnd() < 0.3 ? FLAG.initial : 0;
        pushEntry(entries, { meter, end, value: batch * 10 + n, prev: Number.NaN, start: end - 1, consumption: n, billed: n, flags, held,
          override: Number.NaN, debounced: 0 });
      }
      const rows = Array.from({ length: entries.length }, (_, i) => i);
      let maxEnd = -0x80000000;
      for (const i of rows) maxEnd = Math.max(maxEnd, entries.end[i]);
      // The first segments are as earlier versions wrote them: no days, no meters.
      const described = batch < 10 ? {} : { maxEnd, slots: Uint32Array.from(rows, (i) => entries.meter[i]) };
      await store.commit({
        batchId: `b${bucket}-${batch}`, runId: 0, seq: batch, input: "t", rulesVersion: "", fence: [], buckets: [{ bucket, version: batch, slots: null }],
        counts: { rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0 },
        state: [], segments: [{ bucket, entries: entries.length, data: new Uint8Array(encodeSegment(entries, rows)), ...described }],
        held: [], alerts: [], flags: [], audit: [], episodes: [],
      });
    }
  }

  /** Each meter's latest version per day over all of a bucket's segments. */
  async function truthOf(store: PartitionedStore, bucket: number): Promise<HistoryEntry[][]> {
    const stored = createEntries(4096);
    for (const s of await store.readSegments([bucket])) decodeSegment(stored, s.data, s.entries);
    return Array.from({ length: 6 }, (_, meter) => {
      const mine: HistoryEntry[] = [];
      for (let i = 0; i < stored.length; i++) if (stored.meter[i] === meter) mine.push(entryAt(stored, i));
      return latestByDay(mine);
    });
  }

  /** The store, counting the segments read by id. */
  function counting(store: PartitionedStore): { store: PartitionedStore; reads: () => number; reset: () => void } {
    let n = 0;
    const wrapped: PartitionedStore = Object.create(store, {
      readSegmentsById: { value: async (ids: number[]) => {
        n += ids.length;
        return store.readSegmentsById(ids);
      } },
      segmentsOf: { value: (b: number, s: number) => store.segmentsOf(b, s) },
      segmentIndex: { value: (b: number[]) => store.segmentIndex(b) },
    });
    return { store: wrapped, reads: () => n, reset: () => (n = 0) };
  }

  it("are the latest chain version (billed, or a baseline) of its latest days, read from the segments that hold it", async () => {
    const store = await openStore(db());
    opened.push(store);
    const bucket = 5;
    await randomLedger(store, bucket, 42);
    const c = counting(store);
    const truth = await truthOf(store, bucket);
    for (let meter = 0; meter < 6; meter++) {
      const chain = truth[meter].filter(inChain);
      for (const count of [1, 3, 20]) {
        c.reset();
        expect(await recentChain(c.store, bucket, meter, count, inChain)).toEqual(chain.slice(-count));
        if (count === 1) expect(c.reads()).toBeLessThan(60);
      }
      // A meter with no entries in the bucket reads no segment that says its meters.
      c.reset();
      expect(await recentChain(c.store, bucket, 9, 20, inChain)).toEqual([]);
      expect(c.reads()).toBe(10);
    }
    expect(await store.readSegmentsById([])).toEqual([]);
  });

  it("give the late path every day from the chain entry before a late day, read from the newest segments that hold each meter", async () => {
    const store = await openStore(db());
    opened.push(store);
    await randomLedger(store, 5, 7);
    await randomLedger(store, 11, 8);
    const c = counting(store);
    const truth = new Map([[5, await truthOf(store, 5)], [11, await truthOf(store, 11)]]);
    const expected = (bucket: number, meter: number, before: number) => {
      const days = truth.get(bucket)![meter];
      const chain = days.filter((e) => inChain(e) && e.end < before);
      const from = chain.length === 0 ? Number.NEGATIVE_INFINITY : chain[chain.length - 1].end;
      return { entries: days.filter((e) => e.end >= from), from };
    };
    const rnd = random(99);
    for (let round = 0; round < 20; round++) {
      // Some meters of both buckets (and one with no entries), each from a random day.
      const wanted = new Map<number, Map<number, number>>();
      for (const bucket of [5, 11]) {
        const slots = new Map<number, number>();
        for (let meter = 0; meter < 7; meter++) if (rnd() < 0.6) slots.set(meter, 20_000 + Math.floor(rnd() * 125));
        if (slots.size > 0) wanted.set(bucket, slots);
      }
      const chains = await readChains(c.store, wanted, inChain);
      for (const [bucket, slots] of wanted) {
        for (const [meter, before] of slots) {
          expect(chains.get(bucket)!.get(meter), `bucket ${bucket} meter ${meter} before ${before}`)
            .toEqual(meter < 6 ? expected(bucket, meter, before) : { entries: [], from: Number.NEGATIVE_INFINITY });
        }
      }
    }
    expect(await store.segmentIndex([])).toEqual([]);
  });

  it("cost a late reading the nights since its predecessor, not the age of the ledger", async () => {
    const store = await openStore(db());
    opened.push(store);
    const bucket = 3;
    const commit = (batchId: string, seq: number, entries: ReturnType<typeof createEntries>, maxEnd: number) => {
      const rows = Array.from({ length: entries.length }, (_, i) => i);
      return store.commit({
        batchId, runId: 0, seq, input: "t", rulesVersion: "", fence: [], buckets: [{ bucket, version: seq, slots: null }],
        counts: { rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0 },
        state: [], segments: [{ bucket, entries: entries.length, data: new Uint8Array(encodeSegment(entries, rows)), maxEnd,
          slots: Uint32Array.from(rows, (i) => entries.meter[i]) }],
        held: [], alerts: [], flags: [], audit: [], episodes: [],
      });
    };
    // First, meter 4's reading of night 57 ahead of time (an early file); nights 56 and 57 then lack it.
    const early = createEntries(1);
    pushEntry(early, { meter: 4, end: 20_057, value: 999, prev: Number.NaN, start: 20_057, consumption: 1, billed: 1, flags: 0, held: 0,
      override: Number.NaN, debounced: 0 });
    await commit("early", 0, early, 20_057);
    // 60 nights, a segment each holding the 6 meters' readings of that night.
    for (let night = 0; night < 60; night++) {
      const entries = createEntries(8);
      for (let meter = 0; meter < 6; meter++) {
        if (meter === 4 && (night === 56 || night === 57)) continue;
        pushEntry(entries, { meter, end: 20_000 + night, value: night * 10 + meter, prev: Number.NaN, start: 20_000 + night, consumption: 10,
          billed: 10, flags: 0, held: 0, override: Number.NaN, debounced: 0 });
      }
      await commit(`n${night}`, night + 1, entries, 20_000 + night);
    }
    expect((await store.segmentIndex([bucket, 99])).map((s) => s.maxEnd)).toEqual([...Array.from({ length: 60 }, (_, i) => 20_059 - i), 20_057]);
    const c = counting(store);
    // A re-send of night 55: its chain from night 54 on, read from the newest 4 + 8 segments at most.
    const chain = (await readChains(c.store, new Map([[bucket, new Map([[3, 20_055]])]]), inChain)).get(bucket)!.get(3)!;
    expect(chain.from).toBe(20_054);
    expect(chain.entries.map((e) => [e.meter, e.end, e.value])).toEqual(Array.from({ length: 6 }, (_, i) => [3, 20_054 + i, (54 + i) * 10 + 3]));
    expect(c.reads()).toBeLessThanOrEqual(12);
    // Before the meter's first reading: its whole ledger.
    c.reset();
    const all = (await readChains(c.store, new Map([[bucket, new Map([[3, 20_000]])]]), inChain)).get(bucket)!.get(3)!;
    expect([all.from, all.entries.length, c.reads()]).toEqual([Number.NEGATIVE_INFINITY, 60, 60]);
    // Meter 4's night 57 is in the oldest segment: nights 58 and 59 are placed after it, not after night 55.
    const four = (await readChains(store, new Map([[bucket, new Map([[4, 20_058]])]]), inChain)).get(bucket)!.get(4)!;
    expect([four.from, four.entries.map((e) => e.value)]).toEqual([20_057, [999, 584, 594]]);
  });
});
