// The PostgreSQL store on a real server: what only it has (schema per store, pools, concurrent
// writers in two processes' worth of pools, COPY imports); the shared contract suite runs it too.
import { describe, expect, it } from "vitest";
import { bucketOf, partitionOf } from "../../../engine/store/contract.js";
import type { Commit, PartitionedStore, RegistryRow } from "../../../engine/store/contract.js";
import { openPostgresStore } from "../../../engine/store/postgres/index.js";
import { MIGRATIONS } from "../../../engine/store/postgres/schema.js";
import { adminClient, openTestStore, POSTGRES_URL, postgresProblem, runPostgresTests, testSchema } from "./postgres-env.js";

const P = 4;

function meter(id: string, over: Partial<RegistryRow> = {}): RegistryRow {
  return {
    meterId: id, type: "electricity.register", unit: "kWh", scalingFactor: 1, resetValue: 1e6, digits: 6,
    rolloverMode: "documented", parentId: null, unitPrice: 0.31, basicFeePerDay: null, costCenter: "CC-1", glAccount: null,
    lastReading: 1234.5, lastEnd: 20_000, pulseWeight: null, pulseInput: null, pulseWidthMs: null, qmax: null,
    noPulseDays: null, debounceMs: null, ...over,
  };
}

function batch(batchId: string, fence: Commit["fence"], over: Partial<Commit> = {}): Commit {
  return {
    batchId, runId: 1, seq: 0, input: "readings.csv", rulesVersion: "r1", fence,
    counts: { rows: 1, billable: 1, held: 0, rejected: 0, duplicates: 0, sensor: 0 },
    state: [], segments: [], held: [], alerts: [], flags: [], audit: [], episodes: [], ...over,
  };
}

const bytes = (...values: number[]) => Uint8Array.from(values);

describe.skipIf(!runPostgresTests)("PostgreSQL store", () => {
  it("has a server to run on (CI=true needs one)", () => {
    expect(postgresProblem, `${postgresProblem}; .ci/run installs and starts it`).toBeUndefined();
  });

  it("fixes the partition count at creation and refuses another", async () => {
    const schema = testSchema();
    const store = await openTestStore({ schema, partitions: P });
    expect(store.kind).toBe("postgres");
    expect([...(await store.versions())]).toEqual([0, 0, 0, 0]);
    await store.close();
    await expect(openTestStore({ schema, partitions: 8 })).rejects.toMatchObject({ code: "MF_ERR_STORE_PARTITIONS" });
    const again = await openTestStore({ schema });
    expect(again.partitions).toBe(P);
    await expect(again.setMeta("partitions", "8")).rejects.toMatchObject({ code: "MF_ERR_STORE_PARTITIONS" });
    expect(await again.meta("partitions")).toBe(String(P));
  });

  it("migrates once when two processes open a new schema together", async () => {
    const schema = testSchema();
    const [a, b] = await Promise.all([openTestStore({ schema, partitions: P }), openTestStore({ schema, partitions: P })]);
    expect(a.partitions).toBe(P);
    expect(b.partitions).toBe(P);
    const client = adminClient();
    await client.connect();
    const versions = await client.query(`SELECT version FROM "${schema}".meterflow_schema`);
    await client.end();
    expect(versions.rows).toEqual([{ version: MIGRATIONS.length }]);
  });

  it("moves a version-1 schema's state BLOBs into their own table, compressed where the server has lz4", async () => {
    const schema = testSchema();
    const client = adminClient();
    await client.connect();
    try {
      // A store as version 1 left it: state BLOBs in `buckets`, one bucket with registry only.
      await client.query(`CREATE SCHEMA "${schema}"; SET search_path = "${schema}"; ${MIGRATIONS[0]}
        CREATE TABLE meterflow_schema (version integer NOT NULL); INSERT INTO meterflow_schema VALUES (1);
        INSERT INTO meta VALUES ('partitions', '${P}'); INSERT INTO partitions SELECT p, 3 FROM generate_series(0, ${P - 1}) p;
        INSERT INTO buckets VALUES (1, 1, 2, '\\x0102', '\\x0a0b0c'), (2, 2, 5, '\\x07', NULL);`);
      const store = await openTestStore({ schema });
      expect((await store.readBuckets([2, 1, 3])).map((b) => [b.bucket, b.meters, [...b.registry], b.state && [...b.state]]))
        .toEqual([[1, 2, [1, 2], [10, 11, 12]], [2, 5, [7], null]]);
      expect([...(await store.versions())]).toEqual([3, 3, 3, 3]);
      const big = Uint8Array.from({ length: 100_000 }, (_, i) => i % 7);
      await store.commit(batch("b1", [{ partition: 1, version: 3 }], { state: [{ bucket: 1, meters: 2, state: big }, { bucket: 5, meters: 1, state: bytes(3) }] }));
      const [one, five] = await store.readBuckets([1, 5]);
      expect(Buffer.from(one.state!).equals(big)).toBe(true);
      expect([five.bucket, five.meters, [...five.registry], [...five.state!]]).toEqual([5, 1, [], [3]]);
      const lz4 = await client.query(`SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`);
      const stored = await client.query(`SELECT pg_column_compression(state) AS method, pg_column_size(state) AS size FROM bucket_state WHERE bucket = 1`);
      expect(stored.rows[0]).toEqual(lz4.rows[0].lz4 ? { method: "lz4", size: expect.any(Number) } : { method: null, size: 100_000 });
      if (lz4.rows[0].lz4) expect(stored.rows[0].size).toBeLessThan(10_000);
    } finally {
      await client.end();
    }
  });

  it("imports the registry by COPY, then merges a re-import, every field and awkward text intact", async () => {
    const store = await openTestStore({ partitions: P });
    // A first import with a duplicate id fails whole (its key index is built after the COPY).
    await expect(store.writeRegistry([meter("D"), meter("D")], [])).rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
    expect(await store.registry(["D"])).toEqual([]);
    const rows = Array.from({ length: 5000 }, (_, i) => meter(`M-${i}`));
    rows[1] = meter("tab\tnew\nline\\back\rslash é 電", { parentId: "M-0", pulseInput: "reed", pulseWeight: 0.01, noPulseDays: 3 });
    const bucket = bucketOf("M-0", P);
    await store.writeRegistry(rows, [{ bucket, meters: 7, registry: bytes(1, 2, 3) }]);
    expect(await store.registry(["missing", rows[1].meterId, "M-0"])).toEqual([rows[1], rows[0]]);

    await store.commit(batch("b1", [{ partition: bucket % P, version: 0 }], { state: [{ bucket, meters: 7, state: bytes(9) }] }));
    const changed = meter("M-0", { lastReading: null, lastEnd: null, costCenter: null, unitPrice: 0.5 });
    await store.writeRegistry([changed, meter("M-new")], [{ bucket, meters: 8, registry: bytes(4, 5) }]);
    expect(await store.registry(["M-0", "M-new", "M-2"])).toEqual([changed, meter("M-new"), rows[2]]);
    await expect(store.writeRegistry([meter("M-dup"), meter("M-dup")], [])).rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
    const [row] = await store.readBuckets([bucket, 99_999]);
    expect(row.bucket).toBe(bucket);
    expect(row.meters).toBe(8);
    expect([...row.registry]).toEqual([4, 5]);
    expect([...row.state!]).toEqual([9]);
  });

  it("commits once, by batch id, and only at the fenced versions", async () => {
    const store = await openTestStore({ partitions: P });
    const seg = { bucket: 5, entries: 2, data: bytes(1, 2, 3) };
    const held = { readingId: "r1", meterId: "M-1", endDay: 20_001, value: 12.5, override: Number.NaN, source: 1, verification: 2,
      reasons: "negative|gap", line: '{"a":1}' };
    const alert = { meterId: "M-1", endDay: 20_001, rule: "temp_bad", line: "{}" };
    const c = batch("b1", [{ partition: 1, version: 0 }], { segments: [seg], held: [held], alerts: [alert],
      episodes: [{ key: "M-1|t", data: "{}" }] });
    expect(await store.commit(c)).toBe("committed");
    expect(await store.commit(c)).toBe("duplicate");
    expect([...(await store.versions())]).toEqual([0, 1, 0, 0]);
    expect(await store.readHeld(["M-1"])).toEqual([held]);
    expect(await store.batchOutputs("b1")).toEqual({ segments: [{ ...seg, batchId: "b1", data: Buffer.from(seg.data) }],
      held: [held], alerts: [alert], rejected: [] });

    const stale = batch("b2", [{ partition: 1, version: 0 }], { segments: [seg], episodes: [{ key: "M-1|t", data: null }] });
    await expect(store.commit(stale)).rejects.toMatchObject({ code: "MF_ERR_STORE_FENCED" });
    expect(await store.batch("b2")).toBeUndefined();
    expect(await store.readSegments([5])).toHaveLength(1);
    expect(await store.readEpisodes(["M-1|t"])).toEqual(new Map([["M-1|t", "{}"]]));
    expect(await store.commit({ ...stale, fence: [{ partition: 1, version: 1 }] })).toBe("committed");
    expect(await store.readEpisodes(["M-1|t"])).toEqual(new Map());
    expect((await store.readSegments([5, 6])).map((s) => s.batchId)).toEqual(["b1", "b2"]);
  });

  it("moves BLOBs byte for byte, small and large, through binary COPY", async () => {
    const store = await openTestStore({ partitions: P });
    const random = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17 + (i >> 7)) & 255);
    const sizes = [0, 1, 255, 4095, 4096, 100_000, 300_000];
    const segments = sizes.map((n, i) => ({ bucket: i, entries: n, data: random(n, i) }));
    const state = sizes.map((n, i) => ({ bucket: i, meters: i, state: random(n, i + 50) }));
    await store.writeRegistry([], sizes.map((n, i) => ({ bucket: i, meters: i + 1, registry: random(n, i + 99) })));
    await store.commit(batch("b1", [{ partition: 0, version: 0 }], { segments, state }));
    const read = await store.readSegments(sizes.map((_, i) => i));
    expect(read.map((s) => [s.bucket, s.batchId, s.entries, Buffer.from(s.data).equals(segments[s.bucket].data)]))
      .toEqual(sizes.map((n, i) => [i, "b1", n, true]));
    const buckets = await store.readBuckets([...sizes.keys()].reverse());
    expect(buckets.map((b) => [b.bucket, b.meters, Buffer.from(b.registry).equals(random(sizes[b.bucket], b.bucket + 99)),
      Buffer.from(b.state!).equals(state[b.bucket].state)])).toEqual(sizes.map((_, i) => [i, i + 1, true, true]));
    await expect(store.readBuckets([1.5])).rejects.toMatchObject({ code: "MF_ERR_STORE_READ" });
    // COPY's binary integers refuse what a parameter would have refused, rather than truncate it.
    const fractional = { readingId: "r", meterId: "M-1", endDay: 20_000.5, value: 1, override: Number.NaN, source: 0,
      verification: 0, reasons: "", line: "{}" };
    await expect(store.commit(batch("b2", [{ partition: 0, version: 1 }], { held: [fractional] })))
      .rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
    expect(await store.batch("b2")).toBeUndefined();
    expect(await store.commit(batch("b3", [{ partition: 0, version: 1 }]))).toBe("committed");
  });

  it("lets exactly one of two pools commit on the same fence", async () => {
    const schema = testSchema();
    const a = await openTestStore({ schema, partitions: P });
    const b = await openTestStore({ schema });
    for (let round = 0; round < 5; round++) {
      const fence = [{ partition: 2, version: round }, { partition: 3, version: round }];
      const seg = (id: string) => ({ segments: [{ bucket: 2, entries: 1, data: new TextEncoder().encode(id) }] });
      const outcomes = await Promise.allSettled([a.commit(batch(`a${round}`, fence, seg("a"))), b.commit(batch(`b${round}`, fence, seg("b")))]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ code: "MF_ERR_STORE_FENCED" });
    }
    expect([...(await b.versions())]).toEqual([0, 0, 5, 5]);
    expect(await a.readSegments([2])).toHaveLength(5);
    // The same batch from both: one commits, the other finds it.
    const same = batch("same", [{ partition: 0, version: 0 }]);
    expect((await Promise.all([a.commit(same), b.commit(same)])).sort()).toEqual(["committed", "duplicate"]);
  });

  it("keeps flags, their audit, runs and meta", async () => {
    const store = await openTestStore({ partitions: P });
    const p = partitionOf("M-7", P);
    await store.setFlag(p, { meterId: "M-7", reason: "probe", note: "n", actor: "ops", at: "2026-01-01T00:00:00.000Z" });
    await store.commit(batch("b1", [], { flags: [{ meterId: "M-8", partition: p, reason: "rule", note: "", actor: "rules",
      at: "2026-01-02T00:00:00.000Z" }], audit: [{ meterId: "M-8", action: "set", reason: "rule", actor: "rules" }] }));
    expect((await store.readFlags([p])).map((f) => f.meterId)).toEqual(["M-7", "M-8"]);
    expect(await store.readFlags([(p + 1) % P])).toEqual([]);
    expect(await store.clearFlag(p, "M-7", "fixed", "ops")).toBe(true);
    expect(await store.clearFlag(p, "M-7", "again", "ops")).toBe(false);
    expect((await store.audit("M-7")).map((a) => [a.action, a.reason, a.actor])).toEqual([["set", "probe", "ops"], ["clear", "fixed", "ops"]]);
    expect((await store.audit("M-8")).map((a) => a.action)).toEqual(["set"]);

    const run = await store.startRun({ files: ["x"] });
    expect((await store.runningRun())?.runId).toBe(run);
    await store.commit(batch("b2", [], { runId: run }));
    const next = await store.startRun({});
    await store.adoptBatch("b2", next);
    await store.finishRun(next, "finished", { ok: true });
    expect(await store.batch("b2")).toMatchObject({ batchId: "b2", runId: next, runStatus: "finished", counts: { rows: 1 } });
    expect((await store.runningRun())?.runId).toBe(run);
    await store.setMeta("digest", "abc");
    await store.setMeta("digest", "def");
    expect(await store.meta("digest")).toBe("def");
    expect(await store.meta("nothing")).toBeUndefined();
  });

  it("names an unreachable server without its password, and ends its pool", async () => {
    const error = await openPostgresStore("postgres://someone:s3cret@127.0.0.1:1/test", { schema: testSchema() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "MF_ERR_STORE_OPEN" });
    expect((error as Error).message).toContain("postgres://someone@127.0.0.1:1/test");
    expect((error as Error).message).not.toContain("s3cret");
    await expect(openPostgresStore(POSTGRES_URL, { schema: "no-dashes" })).rejects.toMatchObject({ code: "MF_ERR_INVALID_OPTION" });
    await expect(openPostgresStore(POSTGRES_URL, { schema: "Upper" })).rejects.toMatchObject({ code: "MF_ERR_INVALID_OPTION" });
    await expect(openPostgresStore(POSTGRES_URL, { partitions: 0 })).rejects.toMatchObject({ code: "MF_ERR_INVALID_OPTION" });
  });

  it("rejects with a StoreError once closed", async () => {
    const store: PartitionedStore = await openTestStore({ partitions: P });
    await store.close();
    await store.close();
    await expect(store.versions()).rejects.toMatchObject({ name: "StoreError", code: "MF_ERR_STORE_READ" });
    await expect(store.commit(batch("b", []))).rejects.toMatchObject({ code: "MF_ERR_STORE_WRITE" });
  });
});
