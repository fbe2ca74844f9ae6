// The store contract suite (engine/store/contract.ts): every PartitionedStore implementation runs
// it against a real database (contract.test.ts registers them, one line each). A harness opens
// a fresh database; its `open` opens another store (a second connection or pool) on the same one.
import { describe, expect, it } from "vitest";
import { decodeRegistry, decodeState, encodeState } from "../../../engine/store/bucket.js";
import { BUCKETS_PER_PARTITION, bucketOf, meterHash, partitionOf } from "../../../engine/store/contract.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { createState } from "../../../engine/store/state.js";
import { registryLimits } from "../../../engine/store/bucket-registry-blob.js";
import { batch, bytes, full, held, idsIn, meter, P, register } from "./contract-fixtures.js";

/** A fresh database with a store open on it. */
export interface StoreHarness {
  store: PartitionedStore;
  /** Another store on the same database; the harness closes it on cleanup. */
  open(options?: { partitions?: number }): Promise<PartitionedStore>;
  /** Closes every store of the harness and removes the database. */
  cleanup(): Promise<void>;
}

/** The stores' registry reads beside the contract (the decoding thread's). */
export interface LimitReader {
  readRegistries(buckets: readonly number[]): Promise<Array<{ bucket: number; registry: Uint8Array }>>;
  readLimitedRegistries(buckets: readonly number[]): Promise<Array<{ bucket: number; registry: Uint8Array }>>;
}

/** `n` distinct buckets of a P-partition store, each named by the first meter id that falls in it. */
function distinctBuckets(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < n; i++) {
    const bucket = bucketOf(`M-${i}`, P);
    if (!out.includes(bucket)) out.push(bucket);
  }
  return out;
}

/** Opens a fresh database with this partition count. */
export type OpenHarness = (options: { partitions: number }) => Promise<StoreHarness>;

/** Runs the contract suite on one implementation. */
/**
 * Follows a list while `work` commits, as a client pages on (export --since, GET /v1/held's
 * cursor): `page(after)` gives [key, position] of what is listed after `after`. Returns every key
 * seen, the last pages read after the work is done.
 */
async function followWhile(page: (after: number) => Promise<Array<[string, number]>>, work: () => Promise<unknown>): Promise<Set<string>> {
  let done = false;
  const seen = new Set<string>();
  const reader = (async () => {
    let after = 0;
    for (let round = 0; ; round++) {
      const finished = done;
      const items = await page(after);
      for (const [key, at] of items) {
        seen.add(key);
        after = Math.max(after, at);
      }
      if (finished && items.length === 0) return;
      if (round % 8 === 7) await new Promise((r) => setTimeout(r, 1));
    }
  })();
  await work();
  done = true;
  await reader;
  return seen;
}

export function describeStoreContract(name: string, openHarness: OpenHarness): void {
  describe(`store contract: ${name}`, () => {
    const withStore = (title: string, body: (h: StoreHarness) => Promise<void>) =>
      it(title, async () => {
        const h = await openHarness({ partitions: P });
        try {
          await body(h);
        } finally {
          await h.cleanup();
        }
      });

    withStore("places meters by a stable hash: pinned values, bucket % partitions = partition", async ({ store }) => {
      expect([meterHash(""), meterHash("a"), meterHash("foobar")]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
      expect([meterHash("M-000001"), meterHash("Zähler-7"), meterHash("電表-1")]).toEqual([0xa8976fc4, 0x1ea03781, 0x0cce9705]);
      for (const id of ["Zähler-7", "電表-1", "M-é"]) {
        let h = 0x811c9dc5;
        for (const b of Buffer.from(id, "utf8")) h = Math.imul(h ^ b, 0x01000193);
        expect(meterHash(id)).toBe(h >>> 0);
      }
      expect([partitionOf("M-000001", 16), bucketOf("M-000001", 16), bucketOf("M-000001", 4)]).toEqual([4, 4036, 964]);
      expect(store.partitions).toBe(P);
      for (let i = 0; i < 2000; i++) {
        const bucket = bucketOf(`M-${i}`, P);
        expect(bucket).toBeLessThan(P * BUCKETS_PER_PARTITION);
        expect(bucket % P).toBe(partitionOf(`M-${i}`, P));
      }
      expect((await store.versions()).length).toBe(P);
      expect([...(await store.versions())]).toEqual([0, 0, 0, 0]);
    });

    withStore("says which buckets' registries have register limits or pulse weights: the limit check reads only those", async ({ store }) => {
      const reader = store as unknown as LimitReader;
      const [a, b, c, d] = distinctBuckets(4);
      const [idsA, idsB, idsC, idsD] = [a, b, c, d].map((bucket) => idsIn(bucket, 3));
      await register(store, [
        ...idsA.map((id) => meter(id)),
        meter(idsB[0], { digits: 5 }), meter(idsB[1]), meter(idsB[2]),
        meter(idsC[0]), meter(idsC[1], { type: "water.pulse", pulseWeight: 0.01 }),
        meter(idsD[0], { resetValue: 99_999 }),
      ]);
      const empty = [...Array(P * BUCKETS_PER_PARTITION).keys()].find((x) => ![a, b, c, d].includes(x))!;
      const asked = [a, b, c, d, empty];
      const limited = async () => (await reader.readLimitedRegistries(asked)).map((r) => r.bucket);
      expect(await limited()).toEqual([b, c, d].sort((x, y) => x - y));
      // The same BLOBs as a full read, and what their headers say.
      const every = await reader.readRegistries(asked);
      for (const r of await reader.readLimitedRegistries(asked)) {
        expect(bytes(r.registry)).toEqual(bytes(every.find((e) => e.bucket === r.bucket)!.registry));
      }
      for (const r of every) expect(registryLimits(r.registry), `bucket ${r.bucket}`).toBe([b, c, d].includes(r.bucket) ? 1 : 0);
      // A re-import moves the flag with the BLOB: b's limit dropped, a given one.
      await register(store, [meter(idsB[0]), meter(idsA[1], { digits: 6 })]);
      expect(await limited()).toEqual([a, c, d].sort((x, y) => x - y));
      expect(await reader.readLimitedRegistries([])).toEqual([]);
    });

    withStore("writes the registry rows and bucket BLOBs, and reads them back", async ({ store }) => {
      const [bucket] = [bucketOf("M-1", P)];
      const ids = idsIn(bucket, 3);
      const rows = [full(ids[0]), meter(ids[1]), meter(ids[2], { parentId: ids[0], costCenter: "CC 1", glAccount: "GL\t2" })];
      const written = await register(store, [...rows, meter("M-elsewhere-1"), meter("Zähler-7")]);
      expect(await store.registry(["missing", ids[2], ids[0], ids[1], "Zähler-7"]))
        .toEqual([rows[2], rows[0], rows[1], meter("Zähler-7")]);
      expect(await store.registry([])).toEqual([]);
      const read = await store.readBuckets([bucket, (bucket + 1) % (P * BUCKETS_PER_PARTITION), ...written.map((b) => b.bucket)]);
      expect(read.map((b) => b.bucket)).toEqual([...new Set(written.map((b) => b.bucket))].sort((a, b) => a - b));
      const mine = read.find((b) => b.bucket === bucket)!;
      expect(mine.meters).toBe(3);
      expect(mine.state).toBeNull();
      const columns = decodeRegistry(mine.registry);
      expect(columns.ids).toEqual(ids);
      expect([columns.scale[0], columns.reset[0], columns.digits[0], columns.mode[0], columns.pulseInput[0]]).toEqual([0.5, 99_999, 5, 1, 2]);
      expect([columns.baseValue[0], columns.baseEnd[0], columns.qmax[0], columns.debounceMs[0]]).toEqual([123.25, 20_100, 2.5, 5]);

      // A re-import keeps slots and the state BLOB; a new meter is appended.
      const state = encodeState(createState(3));
      await store.commit(batch("b-state", [{ partition: bucket % P, version: 0 }], { state: [{ bucket, meters: 3, state }] }));
      const more = idsIn(bucket, 4)[3];
      const changed = meter(ids[1], { unitPrice: 0.5 });
      await register(store, [changed, meter(more)]);
      const [again] = await store.readBuckets([bucket]);
      expect(decodeRegistry(again.registry).ids).toEqual([...ids, more]);
      expect(again.meters).toBe(4);
      expect(bytes(again.state)).toEqual(bytes(state));
      expect(decodeState(again.state, again.meters).size).toBe(4);
      expect(await store.registry([ids[1], more])).toEqual([changed, meter(more)]);
    });

    withStore("commits everything a batch changes and reads it back", async ({ store }) => {
      const run = await store.startRun({ files: ["a.csv"] });
      const id = "M-1";
      const bucket = bucketOf(id, P);
      const p = bucket % P;
      await register(store, [meter(id)]);
      const state = createState(1);
      state.lastEnd[0] = 20_200;
      state.lastValue[0] = 1234.5;
      const seg = { bucket, entries: 2, data: Uint8Array.from([1, 2, 3, 4]) };
      // r3: a pulse reading keeps the pulse columns it came with (a release is billed from them).
      const h = [held("r1", id), held("r2", id, { override: 7, value: Number.NaN, source: 0, verification: 0 }),
        held("r3", id, { value: 10, pulse: { pulse_debounced: 8, pulse_min_on_ms: 5.5, tamper_open: 0 } })];
      const alert = { meterId: id, endDay: 20_200, rule: "cold_chain", line: '{"rule":"cold_chain"}' };
      const c = batch("b1", [{ partition: p, version: 0 }], {
        runId: run, seq: 3, input: "a.csv#3", counts: { rows: 5, billable: 1, held: 3, rejected: 1, duplicates: 1, sensor: 0 },
        state: [{ bucket, meters: 1, state: encodeState(state) }], segments: [seg], held: h, alerts: [alert],
        flags: [{ meterId: id, partition: p, reason: "magnetic", note: "rule", actor: "rules", at: "2026-12-01T00:00:00.000Z" }],
        audit: [{ meterId: id, action: "set", reason: "magnetic", actor: "rules" }],
        episodes: [{ key: `${id}|temperature`, data: '{"since":1}' }, { key: "gone", data: null }],
      });
      expect(await store.commit(c)).toBe("committed");
      expect([...(await store.versions())]).toEqual([0, 0, 0, 0].map((v, i) => (i === p ? 1 : v)));
      const [row] = await store.readBuckets([bucket]);
      const decoded = decodeState(row.state, row.meters);
      expect([decoded.lastEnd[0], decoded.lastValue[0]]).toEqual([20_200, 1234.5]);
      const segments = await store.readSegments([bucket]);
      expect(segments.map((s) => ({ ...s, data: bytes(s.data) }))).toEqual([{ bucket, batchId: "b1", entries: 2, data: [1, 2, 3, 4] }]);
      expect(await store.readHeld([id, "other"])).toEqual(h);
      expect(await store.readFlags([p])).toEqual([{ meterId: id, reason: "magnetic", note: "rule", actor: "rules", at: "2026-12-01T00:00:00.000Z" }]);
      expect((await store.audit(id)).map((a) => [a.meterId, a.action, a.reason, a.actor])).toEqual([[id, "set", "magnetic", "rules"]]);
      expect(await store.readEpisodes([`${id}|temperature`, "gone"])).toEqual(new Map([[`${id}|temperature`, '{"since":1}']]));
      expect(await store.batch("b1")).toEqual({ batchId: "b1", runId: run, runStatus: "running",
        counts: { rows: 5, billable: 1, held: 3, rejected: 1, duplicates: 1, sensor: 0 } });
      expect((await store.listHeld({ readingId: "r3", limit: 10 })).map((r) => r.pulse)).toEqual([{ pulse_debounced: 8, pulse_min_on_ms: 5.5, tamper_open: 0 }]);
      expect((await store.listHeld({ readingId: "r1", limit: 10 }))[0]).not.toHaveProperty("pulse");
      expect(await store.batch("nope")).toBeUndefined();
      const out = await store.batchOutputs("b1");
      expect(out.segments.map((s) => bytes(s.data))).toEqual([[1, 2, 3, 4]]);
      expect(out.held).toEqual(h);
      expect(out.alerts).toEqual([alert]);
      expect(out.rejected).toEqual([]);

      // A later batch deletes an episode (null) and appends to the ledger in commit order.
      await store.commit(batch("b2", [{ partition: p, version: 1 }], {
        runId: run, segments: [{ ...seg, data: Uint8Array.from([9]) }], episodes: [{ key: `${id}|temperature`, data: null }] }));
      expect(await store.readEpisodes([`${id}|temperature`])).toEqual(new Map());
      expect((await store.readSegments([bucket])).map((s) => s.batchId)).toEqual(["b1", "b2"]);
      expect(await store.batchOutputs("none")).toEqual({ segments: [], held: [], alerts: [], rejected: [] });
    });

    withStore("lists batches so that a reader chained on their seq misses none while others commit (cluster audit: export --since skipped batches)", async ({ store, open }) => {
      // P committers, each on a partition of its own, commit at once while a reader lists what is
      // new after the last seq it saw, as `export --since next_since` does night after night. A seq
      // taken at a commit's start let a later seq become visible first: the reader moved past the
      // earlier one, which then landed behind it for good.
      const stores = [store, ...(await Promise.all(Array.from({ length: P - 1 }, () => open())))];
      const perStore = 40;
      const seen = await followWhile(async (after) => (await store.listBatches({ afterSeq: after, limit: 1000 })).map((b) => [b.batchId, b.seq]),
        () => Promise.all(stores.map(async (s, p) => {
          for (let i = 0; i < perStore; i++) await s.commit(batch(`c${p}-${i}`, [{ partition: p, version: i }]));
        })));
      expect(seen.size).toBe(P * perStore);
    });

    withStore("lists held readings so that a reader following their cursor misses none while others commit (API audit: GET /v1/held skipped a run's)", async ({ store, open }) => {
      // P committers, each on a partition of its own, commit batches holding readings (big and
      // small ones, as a run's batch beside manual readings) while a reader lists the held
      // readings after the last cursor it saw, as a client following GET /v1/held does. A held id
      // drawn at insert time let a batch that inserted later but committed sooner become visible
      // first: the reader moved past the earlier batch's ids, which then landed behind it for good.
      const stores = [store, ...(await Promise.all(Array.from({ length: P - 1 }, () => open())))];
      const perStore = 30;
      let expected = 0;
      const sizes = Array.from({ length: P }, (_, p) => Array.from({ length: perStore }, (_, i) => ((p + i) % 3 === 0 ? 400 : 1)));
      for (const s of sizes) for (const n of s) expected += n;
      const seen = await followWhile(async (after) => (await store.listHeld({ after, limit: 1000 })).map((h) => [h.readingId, h.id]),
        () => Promise.all(stores.map(async (s, p) => {
          for (let i = 0; i < perStore; i++) {
            const rows = Array.from({ length: sizes[p][i] }, (_, k) => held(`H${p}-${i}-${k}@x`, `H${p}-${i}-${k}`, { reasons: "temp_bad" }));
            await s.commit(batch(`h${p}-${i}`, [{ partition: p, version: i }], { held: rows }));
          }
        })));
      expect(seen.size).toBe(expected);
    });

    withStore("lists batches in commit order, keeps rejected rows, lists and resolves held readings", async ({ store }) => {
      const p = partitionOf("M-1", P);
      const rejected = ['{"sourceLine":3,"meterId":"M-1","reason":"bad_date","raw":"M-1,x,1"}'];
      const h1 = held("M-1@a", "M-1", { endDay: 20_001, value: 10, reasons: "temp_bad" });
      const h2 = held("M-1@b", "M-1", { endDay: 20_002, value: 20, reasons: "implausible_rollover|temp_bad" });
      const h3 = held("M-2@a", "M-2", { endDay: 20_001, value: 30, reasons: "spike_high" });
      await store.commit(batch("b1", [{ partition: p, version: 0 }], { held: [h1, h2, h3], rejected }));
      await store.commit(batch("b2", [{ partition: p, version: 1 }]));
      await store.commit(batch("b0", [{ partition: p, version: 2 }]));
      const listed = await store.listBatches({ limit: 10 });
      expect(listed.map((b) => b.batchId)).toEqual(["b1", "b2", "b0"]);
      expect(listed[0].seq).toBeLessThan(listed[1].seq);
      expect((await store.listBatches({ afterSeq: listed[0].seq, limit: 1 })).map((b) => b.batchId)).toEqual(["b2"]);
      expect((await store.listBatches({ since: "2999-01-01T00:00:00.000Z", limit: 10 }))).toEqual([]);
      expect((await store.batchOutputs("b1")).rejected).toEqual(rejected);

      const all = await store.listHeld({ limit: 10 });
      expect(all.map((r) => r.readingId)).toEqual(["M-1@a", "M-1@b", "M-2@a"]);
      expect(all[0]).toMatchObject({ ...h1, batchId: "b1" });
      expect((await store.listHeld({ after: all[0].id, limit: 1 })).map((r) => r.readingId)).toEqual(["M-1@b"]);
      expect((await store.listHeld({ reason: "temp_bad", limit: 10 })).map((r) => r.readingId)).toEqual(["M-1@a", "M-1@b"]);
      expect((await store.listHeld({ meterId: "M-2", limit: 10 })).map((r) => r.readingId)).toEqual(["M-2@a"]);
      expect((await store.listHeld({ readingId: "M-1@b", limit: 10 })).map((r) => r.value)).toEqual([20]);

      // A release resolves its held record and is audited, in the batch's one transaction.
      await store.commit(batch("b3", [{ partition: p, version: 3 }], {
        released: [{ meterId: "M-1", endDay: 20_002, value: 20, reason: "photo", actor: "anna" }] }));
      expect((await store.listHeld({ limit: 10 })).map((r) => r.readingId)).toEqual(["M-1@a", "M-2@a"]);
      expect((await store.readHeld(["M-1"])).map((r) => r.readingId)).toEqual(["M-1@a"]);
      expect((await store.audit("M-1")).map((a) => [a.action, a.reason, a.actor])).toEqual([["release", "photo", "anna"]]);
      // Still part of the batch that held it (a rerun adopting that batch re-emits it).
      expect((await store.batchOutputs("b1")).held).toHaveLength(3);
    });

    withStore("is idempotent by batch id: a duplicate changes nothing", async ({ store }) => {
      const seg = { bucket: 5, entries: 1, data: Uint8Array.from([1]) };
      const c = batch("b1", [{ partition: 1, version: 0 }], { segments: [seg], held: [held("r1", "M-1")] });
      expect(await store.commit(c)).toBe("committed");
      const other = { ...c, fence: [{ partition: 1, version: 1 }], segments: [seg, seg], held: [held("r9", "M-1")],
        episodes: [{ key: "k", data: "x" }] };
      expect(await store.commit(c)).toBe("duplicate");
      expect(await store.commit(other)).toBe("duplicate");
      expect([...(await store.versions())]).toEqual([0, 1, 0, 0]);
      expect(await store.readSegments([5])).toHaveLength(1);
      expect((await store.readHeld(["M-1"])).map((r) => r.readingId)).toEqual(["r1"]);
      expect(await store.readEpisodes(["k"])).toEqual(new Map());
    });

    withStore("is fenced: a stale fence writes nothing, the right version commits", async ({ store }) => {
      await store.commit(batch("b1", [{ partition: 2, version: 0 }]));
      const stale = batch("b2", [{ partition: 2, version: 0 }, { partition: 3, version: 0 }], {
        segments: [{ bucket: 6, entries: 1, data: Uint8Array.from([7]) }], held: [held("r2", "M-2")],
        flags: [{ meterId: "M-2", partition: 2, reason: "x", note: "", actor: "rules", at: "2026-12-01T00:00:00.000Z" }],
        episodes: [{ key: "k", data: "v" }] });
      await expect(store.commit(stale)).rejects.toMatchObject({ name: "StoreError", code: "MF_ERR_STORE_FENCED" });
      expect(await store.batch("b2")).toBeUndefined();
      expect([...(await store.versions())]).toEqual([0, 0, 1, 0]);
      expect(await store.readSegments([6])).toEqual([]);
      expect(await store.readHeld(["M-2"])).toEqual([]);
      expect(await store.readFlags([2])).toEqual([]);
      expect(await store.readEpisodes(["k"])).toEqual(new Map());
      await expect(store.commit(batch("b3", [{ partition: 1, version: 0 }, { partition: 1, version: 1 }])))
        .rejects.toMatchObject({ code: "MF_ERR_STORE_FENCED" });
      await expect(store.commit(batch("b4", [{ partition: P, version: 0 }]))).rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
      expect(await store.commit({ ...stale, fence: [{ partition: 2, version: 1 }, { partition: 3, version: 0 }] })).toBe("committed");
      expect([...(await store.versions())]).toEqual([0, 0, 2, 1]);
      expect(await store.readSegments([6])).toHaveLength(1);
    });

    withStore("is fenced by meter: another writer's change to other meters of a bucket is merged, to the batch's refuses it", async ({ store }) => {
      const bucket = 9;
      const ids = idsIn(bucket, 3);
      await register(store, ids.map((id) => meter(id)));
      const [row] = await store.readBuckets([bucket]);
      expect(row.version).toBe(0);
      const slot = (id: string) => decodeRegistry(row.registry).ids.indexOf(id);
      const [a, b, c] = ids.map(slot);
      /** The bucket's state with these meters' last values (the others as never read). */
      const stateWith = (values: Array<[number, number]>) => {
        const st = createState(3);
        for (const [s, v] of values) st.lastValue[s] = v;
        return { bucket, meters: 3, state: encodeState(st) };
      };
      const byMeter = (...fences: Array<[number, number[] | null]>) => fences.map(([version, slots]) => ({ bucket, version, slots }));
      const lastValues = async () => [...decodeState((await store.readBuckets([bucket]))[0].state, 3).lastValue];
      const at = (values: number[]) => [a, b, c].map((s) => values[s]);
      // An operator's batch of one on meter a (run 0), decided at version 0.
      expect(await store.commit(batch("op-a", [], { runId: 0, buckets: byMeter([0, [a]]), state: [stateWith([[a, 10]])] }))).toBe("committed");
      expect((await store.readBuckets([bucket]))[0].version).toBe(1);
      // A run's batch on meter b, decided at version 0 (its state of a is stale): merged, a kept.
      expect(await store.commit(batch("run7-1", [], { runId: 7, buckets: byMeter([0, [b]]), state: [stateWith([[b, 20]])],
        segments: [{ bucket, entries: 1, data: Uint8Array.from([1]) }] }))).toBe("committed");
      expect(at(await lastValues())).toEqual([10, 20, Number.NaN]);
      // Its next batch on b is still decided on version 0: its own commit is not another writer's.
      expect(await store.commit(batch("run7-2", [], { runId: 7, seq: 1, buckets: byMeter([0, [b]]), state: [stateWith([[b, 21]])] }))).toBe("committed");
      expect(at(await lastValues())).toEqual([10, 21, Number.NaN]);
      // Decided on meter a (or b, for another run) before they changed: refused, nothing written.
      await expect(store.commit(batch("op-a2", [], { runId: 0, buckets: byMeter([0, [a]]), state: [stateWith([[a, 11]])],
        held: [held("r-a", ids[0])] }))).rejects.toMatchObject({ name: "StoreError", code: "MF_ERR_STORE_FENCED" });
      await expect(store.commit(batch("run8", [], { runId: 8, buckets: byMeter([1, [b, c]]), state: [stateWith([[c, 30]])] })))
        .rejects.toMatchObject({ code: "MF_ERR_STORE_FENCED" });
      expect(await store.batch("op-a2")).toBeUndefined();
      expect(await store.readHeld([ids[0]])).toEqual([]);
      expect(at(await lastValues())).toEqual([10, 21, Number.NaN]);
      // Every meter (slots null) conflicts with any change; a bucket written without a fence is refused.
      await expect(store.commit(batch("all", [], { runId: 0, buckets: byMeter([1, null]) }))).rejects.toMatchObject({ code: "MF_ERR_STORE_FENCED" });
      await expect(store.commit(batch("unfenced", [], { runId: 0, buckets: [], segments: [{ bucket, entries: 1, data: Uint8Array.from([1]) }] })))
        .rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
      // A commit with partition fences writes the bucket as every meter's change: a bucket fence before it is stale.
      const version = (await store.readBuckets([bucket]))[0].version;
      expect(version).toBe(3);
      expect(await store.commit(batch("legacy", [{ partition: bucket % P, version: (await store.versions())[bucket % P] }],
        { runId: 0, state: [stateWith([[a, 12], [b, 21]])] }))).toBe("committed");
      await expect(store.commit(batch("op-c", [], { runId: 0, buckets: byMeter([version, [c]]), state: [stateWith([[c, 30]])] })))
        .rejects.toMatchObject({ code: "MF_ERR_STORE_FENCED" });
      // Nothing since its version: its BLOB is the bucket's as it read it, written as it is.
      expect(await store.commit(batch("op-c", [], { runId: 0, buckets: byMeter([version + 1, [c]]),
        state: [stateWith([[a, 12], [b, 21], [c, 30]])] }))).toBe("committed");
      expect(at(await lastValues())).toEqual([12, 21, 30]);
      // Bucket commits move their partitions on too (a partition-fenced batch sees them).
      expect((await store.versions())[bucket % P]).toBe(5);
    });

    withStore("leaves nothing of a commit that fails part way", async ({ store }) => {
      const bucket = bucketOf("M-1", P);
      await register(store, [meter("M-1")]);
      const broken = batch("b1", [{ partition: bucket % P, version: 0 }], {
        state: [{ bucket, meters: 1, state: encodeState(createState(1)) }],
        segments: [{ bucket, entries: 1, data: Uint8Array.from([1]) }], alerts: [{ meterId: "M-1", endDay: 1, rule: "r", line: "{}" }],
        held: [held("r1", "M-1"), held("r2", null as unknown as string)], episodes: [{ key: "k", data: "v" }] });
      await expect(store.commit(broken)).rejects.toMatchObject({ name: "StoreError", code: "MF_ERR_STORE_WRITE" });
      expect(await store.batch("b1")).toBeUndefined();
      expect([...(await store.versions())]).toEqual([0, 0, 0, 0]);
      expect((await store.readBuckets([bucket]))[0].state).toBeNull();
      expect(await store.readSegments([bucket])).toEqual([]);
      expect(await store.readHeld(["M-1"])).toEqual([]);
      expect(await store.batchOutputs("b1")).toEqual({ segments: [], held: [], alerts: [], rejected: [] });
      expect(await store.readEpisodes(["k"])).toEqual(new Map());
      expect(await store.commit({ ...broken, held: [held("r1", "M-1")] })).toBe("committed");
    });

    withStore("keeps operator flags across commits that do not name them; audits set and clear", async ({ store }) => {
      const p = partitionOf("M-7", P);
      await store.setFlag(p, { meterId: "M-7", reason: "meter exchange", note: "ticket 12", actor: "ops", at: "2026-12-02T08:00:00.000Z" });
      await store.commit(batch("b1", [{ partition: p, version: 0 }], {
        flags: [{ meterId: "M-8", partition: p, reason: "bounce", note: "", actor: "rules", at: "2026-12-02T09:00:00.000Z" }],
        audit: [{ meterId: "M-8", action: "set", reason: "bounce", actor: "rules" }] }));
      expect(await store.readFlags([p])).toEqual([
        { meterId: "M-7", reason: "meter exchange", note: "ticket 12", actor: "ops", at: "2026-12-02T08:00:00.000Z" },
        { meterId: "M-8", reason: "bounce", note: "", actor: "rules", at: "2026-12-02T09:00:00.000Z" },
      ]);
      expect(await store.readFlags([(p + 1) % P])).toEqual([]);
      expect(await store.readFlags([])).toEqual([]);
      expect(await store.readFlag("M-8")).toEqual({ meterId: "M-8", reason: "bounce", note: "", actor: "rules", at: "2026-12-02T09:00:00.000Z" });
      expect(await store.readFlag("M-9")).toBeUndefined();
      expect(await store.clearFlag(p, "M-7", "photo checked", "anna")).toBe(true);
      expect(await store.readFlag("M-7")).toBeUndefined();
      expect(await store.clearFlag(p, "M-7", "again", "anna")).toBe(false);
      const audit = await store.audit("M-7");
      expect(audit.map((a) => [a.action, a.reason, a.actor])).toEqual([["set", "meter exchange", "ops"], ["clear", "photo checked", "anna"]]);
      expect(Number.isNaN(Date.parse(audit[1].at))).toBe(false);
      expect((await store.readFlags([p])).map((f) => f.meterId)).toEqual(["M-8"]);
    });

    withStore("versions a meter by its audit; a conditional flag change applies only at that version", async (h) => {
      const { store } = h;
      const p = partitionOf("M-7", P);
      expect(await store.meterVersion("M-7")).toBe(0);
      await store.setFlag(p, { meterId: "M-7", reason: "suspect", note: "", actor: "ops", at: "2026-12-02T08:00:00.000Z" }, 0);
      const v1 = await store.meterVersion("M-7");
      expect(v1).toBeGreaterThan(0);
      await expect(store.setFlag(p, { meterId: "M-7", reason: "other", note: "", actor: "ben", at: "2026-12-02T09:00:00.000Z" }, 0))
        .rejects.toMatchObject({ name: "StoreError", code: "MF_ERR_STORE_VERSION" });
      await expect(store.clearFlag(p, "M-7", "ok", "ben", v1 + 1)).rejects.toMatchObject({ code: "MF_ERR_STORE_VERSION" });
      expect((await store.readFlags([p])).map((f) => f.reason)).toEqual(["suspect"]);
      // The rules' flags (committed with a batch) move the version too; another meter's do not.
      await store.commit(batch("b1", [{ partition: p, version: 0 }], { audit: [{ meterId: "M-7", action: "set", reason: "bounce", actor: "rules" }] }));
      const v2 = await store.meterVersion("M-7");
      expect(v2).toBeGreaterThan(v1);
      await store.setFlag(partitionOf("M-8", P), { meterId: "M-8", reason: "x", note: "", actor: "ops", at: "2026-12-02T10:00:00.000Z" });
      expect(await (await h.open()).meterVersion("M-7")).toBe(v2);
      expect(await store.clearFlag(p, "M-7", "checked", "anna", v2)).toBe(true);
      expect((await store.audit("M-7")).map((a) => [a.action, a.actor])).toEqual([["set", "ops"], ["set", "rules"], ["clear", "anna"]]);
      // Two changes at one version: exactly one applies.
      const v3 = await store.meterVersion("M-7");
      const other = await h.open();
      const flag = (actor: string) => ({ meterId: "M-7", reason: "race", note: "", actor, at: "2026-12-02T11:00:00.000Z" });
      const outcomes = await Promise.allSettled([store.setFlag(p, flag("a"), v3), other.setFlag(p, flag("b"), v3)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect((await store.audit("M-7")).filter((a) => a.reason === "race")).toHaveLength(1);
    });

    withStore("keeps API tokens as hashes: added once by name, listed, revoked, a revoked name added again", async ({ store }) => {
      expect(await store.listTokens()).toEqual([]);
      expect(await store.addToken({ name: "ops-anna", role: "operator", hash: "a".repeat(64), createdAt: "2026-12-02T08:00:00.000Z" })).toBe(true);
      expect(await store.addToken({ name: "ops-anna", role: "admin", hash: "b".repeat(64), createdAt: "2026-12-02T09:00:00.000Z" })).toBe(false);
      expect(await store.addToken({ name: "Bob", role: "viewer", hash: "c".repeat(64), createdAt: "2026-12-02T09:00:00.000Z" })).toBe(true);
      expect(await store.listTokens()).toEqual([
        { name: "Bob", role: "viewer", hash: "c".repeat(64), createdAt: "2026-12-02T09:00:00.000Z", revokedAt: null },
        { name: "ops-anna", role: "operator", hash: "a".repeat(64), createdAt: "2026-12-02T08:00:00.000Z", revokedAt: null },
      ]);
      expect(await store.revokeToken("ops-anna", "2026-12-03T00:00:00.000Z")).toBe(true);
      expect(await store.revokeToken("ops-anna", "2026-12-04T00:00:00.000Z")).toBe(false);
      expect(await store.revokeToken("nobody", "2026-12-04T00:00:00.000Z")).toBe(false);
      expect((await store.listTokens())[1]).toMatchObject({ name: "ops-anna", revokedAt: "2026-12-03T00:00:00.000Z" });
      expect(await store.addToken({ name: "ops-anna", role: "admin", hash: "d".repeat(64), createdAt: "2026-12-05T00:00:00.000Z" })).toBe(true);
      expect((await store.listTokens())[1]).toEqual({ name: "ops-anna", role: "admin", hash: "d".repeat(64), createdAt: "2026-12-05T00:00:00.000Z", revokedAt: null });
    });

    withStore("keeps photos content-addressed: the same bytes once, read back byte for byte", async ({ store }) => {
      const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 255);
      const sha256 = "f".repeat(64);
      await store.putPhoto({ sha256, mediaType: "image/png", bytes });
      await store.putPhoto({ sha256, mediaType: "image/png", bytes });
      const read = await store.readPhoto(sha256);
      expect(read?.mediaType).toBe("image/png");
      expect(Buffer.from(read!.bytes).equals(Buffer.from(bytes))).toBe(true);
      expect(await store.readPhoto("0".repeat(64))).toBeUndefined();
    });

    withStore("stores a commit's photos with it: once by hash, nothing of a commit that fails or of a duplicate", async ({ store }) => {
      const bucket = bucketOf("M-1", P);
      await register(store, [meter("M-1")]);
      const photo = (n: number) => ({ sha256: String(n).repeat(64), mediaType: "image/jpeg", bytes: Uint8Array.from({ length: 5000 + n }, (_, i) => (i * n) & 255) });
      const broken = batch("b1", [{ partition: bucket % P, version: 0 }], { held: [held("r2", null as unknown as string)], photos: [photo(1)] });
      await expect(store.commit(broken)).rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
      expect(await store.readPhoto(photo(1).sha256)).toBeUndefined();
      await store.putPhoto(photo(2));
      expect(await store.commit(batch("b1", [{ partition: bucket % P, version: 0 }], { photos: [photo(1), photo(2)] }))).toBe("committed");
      for (const n of [1, 2]) expect(Buffer.from((await store.readPhoto(photo(n).sha256))!.bytes).equals(Buffer.from(photo(n).bytes))).toBe(true);
      expect(await store.commit(batch("b1", [{ partition: bucket % P, version: 1 }], { photos: [photo(3)] }))).toBe("duplicate");
      expect(await store.readPhoto(photo(3).sha256)).toBeUndefined();
    });

    withStore("sums held readings (meters, readings, by reason) and committed batches", async ({ store }) => {
      expect(await store.heldSummary()).toEqual({ meters: 0, readings: 0, byReason: {} });
      expect(await store.batchTotals()).toEqual({ batches: 0, rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, flagged: 0 });
      const p = partitionOf("M-1", P);
      const h1 = { ...held("r1", "M-1"), reasons: "temp_bad" };
      const h2 = { ...held("r2", "M-1"), endDay: 20_001, reasons: "spike|temp_bad" };
      const h3 = { ...held("r3", "M-2"), reasons: "spike" };
      await store.commit(batch("b1", [{ partition: p, version: 0 }], { held: [h1, h2, h3] }));
      await store.setFlag(p, { meterId: "M-1", reason: "x", note: "", actor: "ops", at: "2026-12-02T08:00:00.000Z" });
      expect(await store.heldSummary()).toEqual({ meters: 2, readings: 3, byReason: { temp_bad: 2, spike: 2 } });
      await store.commit(batch("b2", [{ partition: p, version: 1 }], { counts: { rows: 10, billable: 5, held: 2, rejected: 1, duplicates: 1, sensor: 1 } }));
      expect(await store.batchTotals()).toEqual({ batches: 2, rows: 11, billable: 6, held: 2, rejected: 1, duplicates: 1, sensor: 1, flagged: 1 });
    });

    withStore("keeps a batch's sensor figures with it (none when it had none)", async ({ store }) => {
      const p = partitionOf("M-1", P);
      const sensors = { values: 12, out_of_range: 1, late: 2, alerts: 3 };
      await store.commit(batch("s1", [{ partition: p, version: 0 }], { counts: { rows: 12, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 12 }, sensors }));
      await store.commit(batch("s2", [{ partition: p, version: 1 }], { sensors: { values: 0, out_of_range: 0, late: 0, alerts: 0 } }));
      await store.commit(batch("s3", [{ partition: p, version: 2 }]));
      expect(await store.batch("s1")).toEqual({ batchId: "s1", runId: 1, runStatus: "running",
        counts: { rows: 12, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 12 }, sensors });
      expect(await store.batch("s2")).not.toHaveProperty("sensors");
      expect(await store.batch("s3")).not.toHaveProperty("sensors");
      // A commit of the same batch again changes nothing.
      expect(await store.commit(batch("s1", [{ partition: p, version: 3 }], { sensors: { values: 1, out_of_range: 0, late: 0, alerts: 0 } }))).toBe("duplicate");
      expect((await store.batch("s1"))?.sensors).toEqual(sensors);
    });

    withStore("records runs, adopts batches, keeps meta", async ({ store }) => {
      expect(await store.runningRun()).toBeUndefined();
      const run = await store.startRun({ files: ["x.csv"] });
      const running = await store.runningRun();
      expect(running?.runId).toBe(run);
      expect(Number.isNaN(Date.parse(running!.startedAt))).toBe(false);
      await store.commit(batch("b1", [], { runId: run }));
      await store.finishRun(run, "failed", { error: "boom" });
      expect(await store.runningRun()).toBeUndefined();
      expect((await store.batch("b1"))?.runStatus).toBe("failed");
      const next = await store.startRun({});
      await store.adoptBatch("b1", next);
      await store.finishRun(next, "finished", { ok: true }, { files: ["x.csv"], sha256: "ab" });
      expect(await store.batch("b1")).toMatchObject({ runId: next, runStatus: "finished" });
      await store.setMeta("registry_sha256", "abc");
      await store.setMeta("registry_sha256", "def");
      expect(await store.meta("registry_sha256")).toBe("def");
      expect(await store.meta("missing")).toBeUndefined();
      expect(await store.meta("partitions")).toBe(String(P));
      await expect(store.setMeta("partitions", "8")).rejects.toMatchObject({ code: "MF_ERR_STORE_PARTITIONS" });
    });

    withStore("reopens with its data and partition count; refuses another count", async (h) => {
      await register(h.store, [full("M-1")]);
      await h.store.commit(batch("b1", [{ partition: 0, version: 0 }], { held: [held("r1", "M-1")] }));
      await h.store.setMeta("k", "v");
      await h.store.close();
      const again = await h.open();
      expect(again.partitions).toBe(P);
      expect(await again.registry(["M-1"])).toEqual([full("M-1")]);
      expect([...(await again.versions())]).toEqual([1, 0, 0, 0]);
      expect(await again.readHeld(["M-1"])).toEqual([held("r1", "M-1")]);
      expect(await again.meta("k")).toBe("v");
      expect((await h.open({ partitions: P })).partitions).toBe(P);
      await expect(h.open({ partitions: 8 })).rejects.toMatchObject({ code: "MF_ERR_STORE_PARTITIONS" });
      await expect(h.open({ partitions: 0 })).rejects.toMatchObject({ code: "MF_ERR_INVALID_OPTION" });
    });

    withStore("lets exactly one of two stores on one database commit on the same fence", async (h) => {
      const a = h.store;
      const b = await h.open();
      for (let round = 0; round < 4; round++) {
        const fence = [{ partition: 2, version: round }, { partition: 3, version: round }];
        const seg = (x: number) => ({ segments: [{ bucket: 2, entries: 1, data: Uint8Array.from([x]) }] });
        const outcomes = await Promise.allSettled([a.commit(batch(`a${round}`, fence, seg(1))), b.commit(batch(`b${round}`, fence, seg(2)))]);
        expect(outcomes.filter((o) => o.status === "fulfilled").map((o) => (o as PromiseFulfilledResult<string>).value)).toEqual(["committed"]);
        expect((outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "MF_ERR_STORE_FENCED" });
      }
      expect([...(await b.versions())]).toEqual([0, 0, 4, 4]);
      expect(await a.readSegments([2])).toHaveLength(4);
      const same = batch("same", [{ partition: 0, version: 0 }]);
      expect((await Promise.all([a.commit(same), b.commit(same)])).sort()).toEqual(["committed", "duplicate"]);
    });

    withStore("rejects with a StoreError once closed", async ({ store }) => {
      await store.close();
      await store.close();
      await expect(store.versions()).rejects.toMatchObject({ name: "StoreError", code: "MF_ERR_STORE_READ" });
      await expect(store.commit(batch("b", []))).rejects.toMatchObject({ name: "StoreError", code: "MF_ERR_STORE_WRITE" });
    });
  });
}
