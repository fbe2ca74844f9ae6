// The SQLite store against a real database file: schema, registry, state and history BLOBs,
// batch commits in one transaction, adoption of an unfinished run's batches.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MeterRecord } from "../../../engine/meters/meter.js";
import { CHUNK_METERS, createEntries, entryAt, openSqliteStore, pushEntry, snapshotChunks } from "../../../engine/store/index.js";
import { MIGRATIONS } from "../../../engine/store/schema.js";
import type { HistoryEntries, HistoryEntry, MeterState } from "../../../engine/store/index.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
let n = 0;
const dbPath = () => join(dir, `store-${n++}.db`);

function meter(meterId: string, extra: Partial<MeterRecord> = {}): MeterRecord {
  return {
    meterId, type: "electricity.register", unit: "kWh", scalingFactor: 1, resetValue: null, digits: null,
    rolloverMode: "documented", parentId: null, unitPrice: null, basicFeePerDay: null, costCenter: null,
    glAccount: null, lastReading: null, lastEnd: null, pulseWeight: null, pulseInput: null, pulseWidthMs: null,
    qmax: null, noPulseDays: null, debounceMs: null, ...extra,
  };
}

function entry(meter: number, end: number, value: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return { meter, end, value, prev: value - 1, start: end, consumption: 1, billed: 1, flags: 0, held: 0, override: Number.NaN, ...extra };
}

/** The state of the chunks the entries touch, as the pipeline hands it to a commit. */
function snapshot(state: MeterState, history: HistoryEntries) {
  const chunks = new Set<number>();
  for (let i = 0; i < history.length; i++) chunks.add(Math.floor(history.meter[i] / CHUNK_METERS));
  return snapshotChunks(state, chunks, CHUNK_METERS, { bytes: new Uint8Array(0) });
}

describe("SQLite store", () => {
  it("creates the schema and refuses a database from a newer meterflow", () => {
    const path = dbPath();
    openSqliteStore(path).close();
    const db = new Database(path);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    db.pragma("user_version = 99");
    db.close();
    expect(() => openSqliteStore(path)).toThrow(expect.objectContaining({ code: "MF_ERR_STORE_SCHEMA" }));
  });

  it("keeps dense meter keys across imports and updates known meters", () => {
    const store = openSqliteStore(dbPath());
    expect(store.upsertMeters([meter("A"), meter("B", { digits: 5 })])).toEqual({ inserted: 2, updated: 0 });
    expect(store.upsertMeters([meter("B", { digits: 6, rolloverMode: "modulus" }), meter("C", { resetValue: 1000 })]))
      .toEqual({ inserted: 1, updated: 1 });
    const t = store.meters();
    expect(t.ids).toEqual(["A", "B", "C"]);
    expect([t.digits[1], t.mode[1], t.reset[2]]).toEqual([6, 1, 1000]);
    expect(Number.isNaN(t.reset[0])).toBe(true);
    store.close();
  });

  it("commits state of touched meters and history in one transaction, and reads them back", () => {
    const path = dbPath();
    const store = openSqliteStore(path);
    const ids = Array.from({ length: CHUNK_METERS + 5 }, (_, i) => `M${i}`);
    store.upsertMeters(ids.map((id) => meter(id, id === "M3" ? { lastReading: 50, lastEnd: 20000 } : {})));
    const t = store.meters();
    const state = store.loadState(t);
    expect([state.lastValue[3], state.lastEnd[3]]).toEqual([50, 20000]);
    state.lastValue[CHUNK_METERS + 2] = 77;
    state.lastEnd[CHUNK_METERS + 2] = 20010;
    state.sumConsumption[CHUNK_METERS + 2] = 12.5;
    const history = createEntries(2);
    pushEntry(history, entry(CHUNK_METERS + 2, 20010, 77));
    pushEntry(history, entry(4, 20011, 9));
    pushEntry(history, entry(CHUNK_METERS + 2, 20009, 70));
    const runId = store.startRun([{ path: "x.csv" }]);
    store.commit({
      batchId: "b1", runId, seq: 0, input: "x.csv", counts: { rows: 3, billable: 3, held: 0, rejected: 0, duplicates: 0 },
      history, held: [{ readingId: "M4@x", meterId: "M4", endDay: 20011, reasons: "initial", line: "{}" }],
      state: snapshot(state, history),
    });
    store.close();

    const again = openSqliteStore(path);
    const loaded = again.loadState(again.meters());
    expect([loaded.lastValue[CHUNK_METERS + 2], loaded.lastEnd[CHUNK_METERS + 2], loaded.sumConsumption[CHUNK_METERS + 2]]).toEqual([77, 20010, 12.5]);
    expect(loaded.lastValue[3]).toBe(50);
    const h = again.history(CHUNK_METERS + 2);
    expect(Array.from(h.end.subarray(0, h.length))).toEqual([20009, 20010]);
    expect(again.batch("b1")).toMatchObject({ runId, runStatus: "running", rows: 3, billable: 3 });
    expect(again.batch("nope")).toBeUndefined();
    expect(again.batchOutputs("b1").heldLines).toEqual(["{}"]);
    again.close();
  });

  it("returns the latest version of a reading when history holds several", () => {
    const store = openSqliteStore(dbPath());
    store.upsertMeters([meter("A")]);
    const state = store.loadState(store.meters());
    const runId = store.startRun([]);
    const commit = (batchId: string, e: HistoryEntry) => {
      const history = createEntries(1);
      pushEntry(history, e);
      store.commit({ batchId, runId, seq: 0, input: "", counts: { rows: 1, billable: 1, held: 0, rejected: 0, duplicates: 0 }, history, held: [], state: snapshot(state, history) });
    };
    commit("b1", entry(0, 20010, 100, { consumption: 10 }));
    commit("b2", entry(0, 20010, 100, { consumption: 4, flags: 64 }));
    const h = store.history(0);
    expect(h.length).toBe(1);
    expect(entryAt(h, 0)).toMatchObject({ consumption: 4, flags: 64 });
    store.finishRun(runId, "finished", {});
    expect(store.batch("b1")?.runStatus).toBe("finished");
    store.close();
  });

  it("rolls a failed commit back entirely", () => {
    const store = openSqliteStore(dbPath());
    store.upsertMeters([meter("A")]);
    const state = store.loadState(store.meters());
    const runId = store.startRun([]);
    const history = createEntries(1);
    pushEntry(history, entry(0, 20010, 100));
    const commit = { batchId: "same", runId, seq: 0, input: "", counts: { rows: 1, billable: 1, held: 0, rejected: 0, duplicates: 0 }, history, held: [], state: snapshot(state, history) };
    store.commit(commit);
    expect(() => store.commit(commit)).toThrow(expect.objectContaining({ code: "MF_ERR_STORE_WRITE" }));
    expect(store.history(0).length).toBe(1);
    store.close();
  });
});
