// Converting a database of the previous layout (written here by the old engine/store/sqlite.ts)
// into the partitioned one: registry, state, ledger, held, batches, runs, meta, audit, flags and
// threshold episodes all come across, meters regrouped into buckets and ledger meters into slots.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeRegistry, decodeState } from "../../../../engine/store/bucket.js";
import { bucketOf, partitionOf } from "../../../../engine/store/contract.js";
import { createEntries, decodeSegment, entryAt, pushEntry } from "../../../../engine/store/history.js";
import type { HistoryEntry } from "../../../../engine/store/history.js";
import { CHUNK_METERS } from "../../../../engine/store/sqlite/legacy-schema.js";
import { snapshotChunks } from "../../../../engine/store/state.js";
import { openSqliteStore } from "./legacy-store.js";
import { MIGRATIONS as LEGACY } from "../../../../engine/store/sqlite/legacy-schema.js";
import { LAYOUT_BASE, MIGRATIONS, openSqlitePartitionedStore } from "../../../../engine/store/sqlite/index.js";
import { createState, STATE_FIELDS } from "../../../../engine/store/state.js";
import type { MeterState } from "../../../../engine/store/state.js";
import { tempDir } from "../../../helpers/tmp.js";
import { meter } from "../contract-fixtures.js";

const dir = tempDir("meterflow-legacy-");
const P = 4;
const N = 2 * CHUNK_METERS + 100;
const ids = Array.from({ length: N }, (_, i) => `M-${i}`);
const records = ids.map((id, i) => meter(id, i % 97 === 0 ? { lastReading: i, lastEnd: 20_000, costCenter: "CC", parentId: "M-0" } : {}));
const entry = (m: number, end: number, value: number, over: Partial<HistoryEntry> = {}): HistoryEntry =>
  ({ meter: m, end, value, prev: value - 2, start: end - 3, consumption: 2, billed: 2, flags: 0, held: 0, override: Number.NaN, debounced: 0, ...over });

type Field = (typeof STATE_FIELDS)[number][0];
const slot = (s: MeterState, i: number) => STATE_FIELDS.map(([name]) => (s[name as Field] as Float64Array)[i]);

/** A database as the old store leaves it after two batches; returns what its readers saw. */
function legacyDatabase(path: string) {
  const old = openSqliteStore(path);
  old.upsertMeters(records);
  old.setMeta("registry_sha256", "abc");
  const state = old.loadState(old.meters());
  const runId = old.startRun([{ path: "night.csv" }]);
  const batches = [
    [entry(5, 20_010, 100), entry(2 * CHUNK_METERS + 3, 20_010, 7), entry(5, 20_011, 102, { override: 4 }), entry(97 * 2, 20_012, 300)],
    [entry(5, 20_020, 110, { flags: 64 }), entry(N - 1, 20_020, 1)],
  ];
  for (const [b, list] of batches.entries()) {
    const history = createEntries(4);
    for (const e of list) {
      pushEntry(history, e);
      state.lastEnd[e.meter] = e.end;
      state.lastValue[e.meter] = e.value;
      state.readings[e.meter]++;
      state.sumConsumption[e.meter] += e.consumption;
    }
    if (b === 0) state.tempBad[7] = 1;
    const chunks = new Set([...list.map((e) => Math.floor(e.meter / CHUNK_METERS)), 0]);
    old.commit({
      batchId: `b${b}`, runId, seq: b, input: "night.csv", rulesVersion: "r1",
      counts: { rows: list.length + 1, billable: list.length, held: 1, rejected: 0, duplicates: 0, sensor: 0 },
      history, state: snapshotChunks(state, chunks, CHUNK_METERS, { bytes: new Uint8Array(0) }),
      held: [{ readingId: `r${b}`, meterId: "M-9", endDay: 20_030 + b, reasons: "spike", line: JSON.stringify({ current: 55 + b, reasons: "spike" }) }],
      audit: b === 0 ? [{ meterId: "M-7", action: "set", reason: "magnetic", actor: "ops" }] : [],
    });
  }
  old.finishRun(runId, "finished", { ok: true });
  const loaded = old.loadState(old.meters());
  // The conversion counts each meter's held readings (the old state did not): M-9 has two.
  loaded.heldCount[9] = 2;
  old.close();
  const db = new Database(path);
  db.prepare("INSERT INTO sensor_state (key, data) VALUES (?, ?)").run("M-3|temperature", '{"since":20000}');
  db.close();
  return { batches, loaded, runId };
}

describe("SQLite store: conversion from the previous layout", () => {
  it("opens a database of the old store and keeps everything in it", async () => {
    const path = join(dir, "old.db");
    const { batches, loaded, runId } = legacyDatabase(path);
    const store = await openSqlitePartitionedStore(path, { partitions: P });
    expect(store.partitions).toBe(P);
    expect([...(await store.versions())]).toEqual([0, 0, 0, 0]);
    expect(await store.registry(ids)).toEqual(records);

    // Buckets: every meter once, in key order within its bucket; state as the old store loaded it.
    const buckets = [...new Set(ids.map((id) => bucketOf(id, P)))];
    const rows = await store.readBuckets(buckets);
    expect(rows.length).toBe(buckets.length);
    const where = new Map<string, { bucket: number; slot: number }>();
    for (const row of rows) {
      const columns = decodeRegistry(row.registry);
      expect(columns.size).toBe(row.meters);
      const state = decodeState(row.state, row.meters);
      columns.ids.forEach((id, s) => {
        where.set(id, { bucket: row.bucket, slot: s });
        const key = Number(id.slice(2));
        expect(bucketOf(id, P)).toBe(row.bucket);
        if (row.state !== null) expect(slot(state, s)).toEqual(slot(loaded, key));
      });
    }
    expect(where.size).toBe(N);
    const m5 = where.get("M-5")!;
    const state5 = decodeState((await store.readBuckets([m5.bucket]))[0].state, rows.find((r) => r.bucket === m5.bucket)!.meters);
    expect([state5.lastValue[m5.slot], state5.lastEnd[m5.slot], state5.readings[m5.slot]]).toEqual([110, 20_020, 3]);

    // Ledger: per batch and bucket, meters as slots; the same entries in commit order.
    const segments = await store.readSegments(buckets);
    expect(segments.map((s) => s.batchId)).toEqual([...segments.map((s) => s.batchId)].sort());
    const seen = batches.map(() => [] as Array<HistoryEntry & { id: string }>);
    for (const s of segments) {
      const e = createEntries(s.entries);
      decodeSegment(e, s.data, s.entries);
      const members = decodeRegistry(rows.find((r) => r.bucket === s.bucket)!.registry).ids;
      for (let i = 0; i < e.length; i++) {
        const { meter: m, ...rest } = entryAt(e, i);
        seen[Number(s.batchId.slice(1))].push({ ...rest, meter: Number(members[m].slice(2)), id: members[m] });
      }
    }
    for (const [b, list] of batches.entries()) {
      const byEnd = (x: HistoryEntry, y: HistoryEntry) => x.meter - y.meter || x.end - y.end;
      expect(seen[b].map(({ id, ...e }) => e).sort(byEnd)).toEqual([...list].sort(byEnd));
    }

    const held = await store.readHeld(["M-9"]);
    expect(held.map((h) => [h.readingId, h.endDay, h.value, h.reasons])).toEqual([["r0", 20_030, 55, "spike"], ["r1", 20_031, 56, "spike"]]);
    expect(Number.isNaN(held[0].override)).toBe(true);
    expect(await store.batch("b1")).toEqual({ batchId: "b1", runId, runStatus: "finished",
      counts: { rows: 3, billable: 2, held: 1, rejected: 0, duplicates: 0, sensor: 0 } });
    expect((await store.batchOutputs("b0")).held.map((h) => h.readingId)).toEqual(["r0"]);
    expect(await store.runningRun()).toBeUndefined();
    expect(await store.meta("registry_sha256")).toBe("abc");
    expect(await store.readEpisodes(["M-3|temperature"])).toEqual(new Map([["M-3|temperature", '{"since":20000}']]));
    expect((await store.audit("M-7")).map((a) => [a.action, a.reason, a.actor])).toEqual([["set", "magnetic", "ops"]]);
    expect((await store.readFlags([partitionOf("M-7", P)])).map((f) => [f.meterId, f.reason, f.actor]))
      .toEqual([["M-7", "magnetic", "ops"]]);
    await store.close();

    const db = new Database(path);
    expect(db.pragma("user_version", { simple: true })).toBe(LAYOUT_BASE + MIGRATIONS.length);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    expect(tables.filter((t) => t.startsWith("legacy_") || t === "meter_state" || t === "history")).toEqual([]);
    db.close();
    const again = await openSqlitePartitionedStore(path);
    expect(again.partitions).toBe(P);
    expect(await again.registry(["M-5"])).toEqual([records[5]]);
    await again.close();
  });

  it("opens an old database at its first schema version", async () => {
    const path = join(dir, "v1.db");
    const db = new Database(path);
    db.exec(LEGACY[0]);
    db.pragma("user_version = 1");
    db.prepare("INSERT INTO meters (meter_key, meter_id, type, unit) VALUES (0, 'A', 'electricity.register', 'kWh')").run();
    db.close();
    const store = await openSqlitePartitionedStore(path, { partitions: 2 });
    expect(await store.registry(["A"])).toEqual([meter("A")]);
    const [row] = await store.readBuckets([bucketOf("A", 2)]);
    expect(decodeRegistry(row.registry).ids).toEqual(["A"]);
    expect(row.state).toBeNull();
    expect(createState(0).size).toBe(0);
    await store.close();
  });

  it("refuses a file that is no meterflow database, and one from a newer meterflow", async () => {
    const foreign = join(dir, "foreign.db");
    const db = new Database(foreign);
    db.exec("CREATE TABLE t (x)");
    db.close();
    await expect(openSqlitePartitionedStore(foreign)).rejects.toMatchObject({ code: "MF_ERR_STORE_SCHEMA" });
    const newer = join(dir, "newer.db");
    await (await openSqlitePartitionedStore(newer)).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${LAYOUT_BASE + MIGRATIONS.length + 1}`);
    raw.close();
    await expect(openSqlitePartitionedStore(newer)).rejects.toMatchObject({ code: "MF_ERR_STORE_SCHEMA" });
  });
  it("gives each meter back its latest trusted reading, not a held one the old store moved it to", async () => {
    const path = join(dir, "held-tail.db");
    const old = openSqliteStore(path);
    old.upsertMeters(records.slice(0, 10));
    const state = old.loadState(old.meters());
    const runId = old.startRun([]);
    const history = createEntries(4);
    // Meter 3: 100 billed on 20 010, then a typo 50 held on 20 020 (the old store's state moved to it).
    pushEntry(history, entry(3, 20_010, 100));
    pushEntry(history, entry(3, 20_020, 50, { held: 1, billed: 0, flags: 8 }));
    state.lastEnd[3] = 20_020;
    state.lastValue[3] = 50;
    old.commit({
      batchId: "b", runId, seq: 0, input: "night.csv", rulesVersion: "r1",
      counts: { rows: 2, billable: 1, held: 1, rejected: 0, duplicates: 0, sensor: 0 },
      history, state: snapshotChunks(state, [0], CHUNK_METERS, { bytes: new Uint8Array(0) }),
      held: [{ readingId: "M-3@x", meterId: "M-3", endDay: 20_020, reasons: "implausible_rollover", line: JSON.stringify({ current: 50 }) }], audit: [],
    });
    old.finishRun(runId, "finished", {});
    old.close();
    const store = await openSqlitePartitionedStore(path, { partitions: P });
    const bucket = bucketOf("M-3", P);
    const [row] = await store.readBuckets([bucket]);
    const reg = decodeRegistry(row.registry);
    const converted = decodeState(row.state, reg.size);
    const at = reg.ids.indexOf("M-3");
    expect([converted.lastEnd[at], converted.lastValue[at]]).toEqual([20_010, 100]);
    // The registered count a run's summary shows.
    expect(await store.meta("meters_registered")).toBe("10");
    // Its held reading is counted, so a re-send of it is recognised as a duplicate.
    expect(converted.heldCount[at]).toBe(1);
    expect((await store.readHeld(["M-3"])).map((h) => [h.endDay, h.value])).toEqual([[20_020, 50]]);
    await store.close();
  });
});
