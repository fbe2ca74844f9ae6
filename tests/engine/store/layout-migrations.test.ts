// Stores from before `buckets.limits` (SQLite layout 7, PostgreSQL schema 11) are migrated with
// the column filled from their registry BLOBs: the register-limit check then reads only the
// buckets that have limits, as on a store created with the column. SQLite's state BLOBs move to
// their own table (layout 9) and read back as they were. Stores from before format-3 BLOBs
// (SQLite layout 9, PostgreSQL schema 12) record the format in `meta` when opened (layout 10,
// schema 13) and keep reading the BLOBs they hold; a store at a layout newer than the code is
// refused. Stores from before held.pulse (SQLite layout 10, PostgreSQL schema 13) get the column,
// their held records kept as they were. Stores from before batches.sensors (SQLite layout 11,
// PostgreSQL schema 14) get the column: their batches read back without sensor figures (none),
// new ones with theirs. Stores from before the pulse baselines' counts in the ledger (SQLite layout
// 13, PostgreSQL schema 16) read their segments without them.
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { BUCKETS_PER_PARTITION, partitionOf } from "../../../engine/store/contract.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { openPostgresStore } from "../../../engine/store/postgres/index.js";
import { LAYOUT_BASE } from "../../../engine/store/sqlite/schema.js";
import { openSqlitePartitionedStore } from "../../../engine/store/sqlite/index.js";
import { tempDir } from "../../helpers/tmp.js";
import { decodeState, encodeState } from "../../../engine/store/bucket.js";
import { createState } from "../../../engine/store/state.js";
import { stateBlobVersion2 } from "./state-v2.js";
import { MIGRATIONS as SQLITE_MIGRATIONS } from "../../../engine/store/sqlite/schema.js";
import { MIGRATIONS as POSTGRES_MIGRATIONS } from "../../../engine/store/postgres/schema.js";
import { batch, held, idsIn, meter, P, register } from "./contract-fixtures.js";
import type { LimitReader } from "./contract.js";
import { adminClient, POSTGRES_URL, runPostgresTests, testSchema } from "./postgres-env.js";
import { createEntries, decodeSegment } from "../../../engine/store/history.js";
import { OperationSession, releaseHeld } from "../../../engine/operations/index.js";
import { runAndRead, write } from "../../helpers/run.js";

const dir = tempDir("meterflow-limits-");
const ALL = [...Array(P * BUCKETS_PER_PARTITION).keys()];

/** Meters in 40 buckets, every fifth bucket with a meter that has a register limit; the limited buckets. */
async function fill(store: PartitionedStore): Promise<number[]> {
  const chosen: number[] = [];
  for (let b = 0; chosen.length < 40; b += 7) chosen.push(b % (P * BUCKETS_PER_PARTITION));
  const rows = chosen.flatMap((bucket, k) => idsIn(bucket, 2).map((id, j) => meter(id, k % 5 === 0 && j === 1 ? { digits: 6 } : {})));
  await register(store, rows);
  return chosen.filter((_, k) => k % 5 === 0).sort((a, b) => a - b);
}

const limitedOf = async (store: PartitionedStore) => (await (store as unknown as LimitReader).readLimitedRegistries(ALL)).map((r) => r.bucket);

describe("buckets.limits on a migrated store", () => {
  it("SQLite: a layout-7 file gets the column filled from its BLOBs and its partial index; its state BLOBs move", async () => {
    const path = join(dir, "layout7.db");
    const store = await openSqlitePartitionedStore(path, { partitions: P });
    const limited = await fill(store);
    expect(await limitedOf(store)).toEqual(limited);
    // State for some buckets (one of them without a registry row).
    const withState = [limited[0], limited[1] + 1, P * BUCKETS_PER_PARTITION - 1];
    const states = withState.map((bucket, i) => {
      const state = createState(2 + i);
      state.lastValue.fill(100 + i);
      return { bucket, meters: 2 + i, state: encodeState(state) };
    });
    expect(await store.commit(batch("b-state", withState.map((b) => ({ partition: b % P, version: 0 })), { state: states }))).toBe("committed");
    const before = await store.readBuckets(ALL);
    await store.close();
    // The file as layout 7 left it: limits unknown, state beside the registry.
    const db = new Database(path);
    db.exec(`DROP INDEX buckets_limited; ALTER TABLE buckets DROP COLUMN limits; ALTER TABLE buckets ADD COLUMN state BLOB;
      INSERT INTO buckets (bucket, partition, meters, registry, state)
        SELECT s.bucket, s.bucket % ${P}, s.meters, X'', s.state FROM bucket_state s WHERE s.bucket NOT IN (SELECT bucket FROM buckets);
      UPDATE buckets SET state = (SELECT s.state FROM bucket_state s WHERE s.bucket = buckets.bucket);
      DROP TABLE bucket_state; ALTER TABLE held DROP COLUMN pulse; ALTER TABLE batches DROP COLUMN sensors`);
    db.pragma(`user_version = ${LAYOUT_BASE + 7}`);
    db.close();
    const migrated = await openSqlitePartitionedStore(path);
    try {
      expect(await limitedOf(migrated)).toEqual(limited);
      const after = await migrated.readBuckets(ALL);
      expect(after.map((b) => [b.bucket, b.meters, Buffer.from(b.registry).toString("hex"), b.state === null ? null : Buffer.from(b.state).toString("hex")]))
        .toEqual(before.map((b) => [b.bucket, b.meters, Buffer.from(b.registry).toString("hex"), b.state === null ? null : Buffer.from(b.state).toString("hex")]));
      expect(after.filter((b) => b.state !== null).map((b) => b.bucket)).toEqual([...withState].sort((a, b) => a - b));
    } finally {
      await migrated.close();
    }
    const check = new Database(path, { readonly: true });
    try {
      expect(check.prepare("SELECT count(*) FROM buckets WHERE limits IS NULL").pluck().get()).toBe(0);
      expect(check.prepare("SELECT bucket FROM buckets WHERE limits = 1 ORDER BY bucket").pluck().all()).toEqual(limited);
    } finally {
      check.close();
    }
  });

  describe.skipIf(!runPostgresTests)("PostgreSQL", () => {
    const admin = adminClient();
    afterAll(async () => admin.end());

    it("a schema at version 11 gets the column filled from its BLOBs", async () => {
      const schema = testSchema();
      const store = await openPostgresStore(POSTGRES_URL, { schema, partitions: P });
      let limited: number[];
      try {
        limited = await fill(store);
        expect(await limitedOf(store)).toEqual(limited);
      } finally {
        await store.close();
      }
      await admin.connect();
      await admin.query(`ALTER TABLE "${schema}".buckets DROP COLUMN limits`);
      await admin.query(`ALTER TABLE "${schema}".held DROP COLUMN pulse`);
      await admin.query(`ALTER TABLE "${schema}".batches DROP COLUMN sensors`);
      await admin.query(`UPDATE "${schema}".meterflow_schema SET version = 11`);
      const migrated = await openPostgresStore(POSTGRES_URL, { schema });
      try {
        expect(await limitedOf(migrated)).toEqual(limited);
      } finally {
        await migrated.close();
      }
      const stored = await admin.query(`SELECT bucket, limits FROM "${schema}".buckets ORDER BY bucket`);
      expect(stored.rows.filter((r) => r.limits === null)).toEqual([]);
      expect(stored.rows.filter((r) => r.limits === 1).map((r) => r.bucket)).toEqual(limited);
    });
  });
});

/** A version-2 state BLOB (as a meterflow before format 3 wrote it) of `n` meters, every field in full. */
function stateVersion2(n: number): Uint8Array {
  const state = createState(n);
  for (let i = 0; i < n; i++) {
    state.lastEnd[i] = 20_000 + i;
    state.lastValue[i] = 1000 + i;
    state.readings[i] = 1 + i;
    state.sumConsumption[i] = 10 * i;
  }
  return stateBlobVersion2(state, n);
}

describe("format-3 BLOBs on a migrated store", () => {
  const old = stateVersion2(3);
  const expectOldState = (state: Uint8Array | null) => {
    expect(Buffer.from(state!).toString("hex")).toBe(Buffer.from(old).toString("hex"));
    expect(Array.from(decodeState(state, 3).lastValue)).toEqual([1000, 1001, 1002]);
  };

  it("SQLite: a layout-9 file records the format and reads its version-2 state; a newer layout is refused", async () => {
    const path = join(dir, "layout9.db");
    const store = await openSqlitePartitionedStore(path, { partitions: P });
    expect(await store.commit(batch("b-v2", [{ partition: 5 % P, version: 0 }], { state: [{ bucket: 5, meters: 3, state: old }] }))).toBe("committed");
    await store.close();
    const db = new Database(path);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'blob_format'").pluck().get()).toBe("3");
    db.exec("DELETE FROM meta WHERE key = 'blob_format'; ALTER TABLE held DROP COLUMN pulse; ALTER TABLE batches DROP COLUMN sensors");
    db.pragma(`user_version = ${LAYOUT_BASE + 9}`);
    db.close();
    const migrated = await openSqlitePartitionedStore(path);
    try {
      expectOldState((await migrated.readBuckets([5]))[0].state);
    } finally {
      await migrated.close();
    }
    const check = new Database(path);
    try {
      expect(check.prepare("SELECT value FROM meta WHERE key = 'blob_format'").pluck().get()).toBe("3");
      expect(check.pragma("user_version", { simple: true })).toBe(LAYOUT_BASE + SQLITE_MIGRATIONS.length);
      check.pragma(`user_version = ${LAYOUT_BASE + SQLITE_MIGRATIONS.length + 1}`);
    } finally {
      check.close();
    }
    await expect(openSqlitePartitionedStore(path)).rejects.toMatchObject({ code: "MF_ERR_STORE_SCHEMA" });
  });

  describe.skipIf(!runPostgresTests)("PostgreSQL", () => {
    const admin = adminClient();
    afterAll(async () => admin.end());

    it("a schema at version 12 records the format and reads its version-2 state; a newer version is refused", async () => {
      const schema = testSchema();
      const store = await openPostgresStore(POSTGRES_URL, { schema, partitions: P });
      try {
        expect(await store.commit(batch("b-v2", [{ partition: 5 % P, version: 0 }], { state: [{ bucket: 5, meters: 3, state: old }] }))).toBe("committed");
      } finally {
        await store.close();
      }
      await admin.connect();
      const format = async () => (await admin.query(`SELECT value FROM "${schema}".meta WHERE key = 'blob_format'`)).rows.map((r) => r.value);
      expect(await format()).toEqual(["3"]);
      await admin.query(`DELETE FROM "${schema}".meta WHERE key = 'blob_format'`);
      await admin.query(`ALTER TABLE "${schema}".held DROP COLUMN pulse`);
      await admin.query(`ALTER TABLE "${schema}".batches DROP COLUMN sensors`);
      await admin.query(`UPDATE "${schema}".meterflow_schema SET version = 12`);
      const migrated = await openPostgresStore(POSTGRES_URL, { schema });
      try {
        expectOldState((await migrated.readBuckets([5]))[0].state);
      } finally {
        await migrated.close();
      }
      expect(await format()).toEqual(["3"]);
      const version = await admin.query(`SELECT version FROM "${schema}".meterflow_schema`);
      expect(version.rows).toEqual([{ version: POSTGRES_MIGRATIONS.length }]);
      await admin.query(`UPDATE "${schema}".meterflow_schema SET version = ${POSTGRES_MIGRATIONS.length + 1}`);
      await expect(openPostgresStore(POSTGRES_URL, { schema })).rejects.toMatchObject({ code: "MF_ERR_STORE_SCHEMA" });
    });
  });
});

describe("held.pulse on a migrated store", () => {
  const old = held("M-1@old", "M-1", { endDay: 20_001, value: 10, reasons: "temp_bad" });
  const pulse = held("M-1@new", "M-1", { endDay: 20_002, value: 10, reasons: "bounce", pulse: { pulse_debounced: 8, pulse_min_on_ms: 5 } });
  const p = partitionOf("M-1", P);
  /** The old record reads back without pulse columns; a new one keeps its own. */
  async function expectHeld(store: PartitionedStore): Promise<void> {
    expect(await store.readHeld(["M-1"])).toEqual([old]);
    expect(await store.commit(batch("b-new", [{ partition: p, version: 1 }], { held: [pulse] }))).toBe("committed");
    expect(await store.readHeld(["M-1"])).toEqual([old, pulse]);
    expect((await store.listHeld({ meterId: "M-1", limit: 10 })).map((h) => h.pulse)).toEqual([undefined, pulse.pulse]);
  }

  it("SQLite: a layout-10 file gets the column; its held records are kept and released on their value", async () => {
    const path = join(dir, "layout10.db");
    const store = await openSqlitePartitionedStore(path, { partitions: P });
    expect(await store.commit(batch("b-old", [{ partition: p, version: 0 }], { held: [old] }))).toBe("committed");
    await store.close();
    const db = new Database(path);
    db.exec("ALTER TABLE held DROP COLUMN pulse; ALTER TABLE batches DROP COLUMN sensors");
    db.pragma(`user_version = ${LAYOUT_BASE + 10}`);
    db.close();
    const migrated = await openSqlitePartitionedStore(path);
    try {
      await expectHeld(migrated);
    } finally {
      await migrated.close();
    }
  });

  describe.skipIf(!runPostgresTests)("PostgreSQL", () => {
    const admin = adminClient();
    afterAll(async () => admin.end());

    it("a schema at version 13 gets the column; its held records are kept", async () => {
      const schema = testSchema();
      const store = await openPostgresStore(POSTGRES_URL, { schema, partitions: P });
      try {
        expect(await store.commit(batch("b-old", [{ partition: p, version: 0 }], { held: [old] }))).toBe("committed");
      } finally {
        await store.close();
      }
      await admin.connect();
      await admin.query(`ALTER TABLE "${schema}".held DROP COLUMN pulse`);
      await admin.query(`ALTER TABLE "${schema}".batches DROP COLUMN sensors`);
      await admin.query(`UPDATE "${schema}".meterflow_schema SET version = 13`);
      const migrated = await openPostgresStore(POSTGRES_URL, { schema });
      try {
        await expectHeld(migrated);
      } finally {
        await migrated.close();
      }
    });
  });
});

describe("batches.sensors on a migrated store", () => {
  const p = partitionOf("M-1", P);
  const sensors = { values: 4, out_of_range: 1, late: 0, alerts: 2 };
  /** The old batch reads back as it was, without sensor figures; a new one keeps its own. */
  async function expectSensors(store: PartitionedStore): Promise<void> {
    expect(await store.batch("b-old")).toMatchObject({ batchId: "b-old", counts: { rows: 1, billable: 1 } });
    expect(await store.batch("b-old")).not.toHaveProperty("sensors");
    expect(await store.commit(batch("b-new", [{ partition: p, version: 1 }], { sensors }))).toBe("committed");
    expect((await store.batch("b-new"))?.sensors).toEqual(sensors);
  }

  it("SQLite: a layout-11 file gets the column; its batches read back without sensor figures", async () => {
    const path = join(dir, "layout11.db");
    const store = await openSqlitePartitionedStore(path, { partitions: P });
    expect(await store.commit(batch("b-old", [{ partition: p, version: 0 }]))).toBe("committed");
    await store.close();
    const db = new Database(path);
    db.exec("ALTER TABLE batches DROP COLUMN sensors");
    db.pragma(`user_version = ${LAYOUT_BASE + 11}`);
    db.close();
    const migrated = await openSqlitePartitionedStore(path);
    try {
      await expectSensors(migrated);
    } finally {
      await migrated.close();
    }
    const check = new Database(path);
    expect(check.pragma("user_version", { simple: true })).toBe(LAYOUT_BASE + SQLITE_MIGRATIONS.length);
    check.close();
  });

  describe.skipIf(!runPostgresTests)("PostgreSQL", () => {
    const admin = adminClient();
    afterAll(async () => admin.end());

    it("a schema at version 14 gets the column; its batches read back without sensor figures", async () => {
      const schema = testSchema();
      const store = await openPostgresStore(POSTGRES_URL, { schema, partitions: P });
      try {
        expect(await store.commit(batch("b-old", [{ partition: p, version: 0 }]))).toBe("committed");
      } finally {
        await store.close();
      }
      await admin.connect();
      await admin.query(`ALTER TABLE "${schema}".batches DROP COLUMN sensors`);
      await admin.query(`UPDATE "${schema}".meterflow_schema SET version = 14`);
      const migrated = await openPostgresStore(POSTGRES_URL, { schema });
      try {
        await expectSensors(migrated);
      } finally {
        await migrated.close();
      }
      expect((await admin.query(`SELECT version FROM "${schema}".meterflow_schema`)).rows).toEqual([{ version: POSTGRES_MIGRATIONS.length }]);
    });
  });
});

// Ledger segments with the pulse baselines' debounced counts (SQLite layout 14, PostgreSQL schema
// 17). A store from before them migrates and reads its 10-column segments, a pulse baseline's count
// not kept: a pulse count dated before such a first reading stays held back_dated_pulses and its
// release is refused (its old first reading would owe a count that is not known); a baseline
// written since keeps its count, and one dated before it becomes the baseline.
describe("pulse baselines' counts on a migrated store", () => {
  const meters = write(dir, "pulse-meters.csv", ["meter_id,type,unit,pulse_weight,pulse_input", "S1,water.pulse,m3,0.01,s0a", "S2,water.pulse,m3,0.01,s0a"]);
  let k = 0;
  const run = (db: string, ...lines: string[]) =>
    runAndRead({ meters, db, inputs: [write(dir, `pulse-${k++}.csv`, ["meter_id,end,value", ...lines])], out: join(dir, `pulse-out-${k++}`) });

  /** Runs S1's first readings, has `downgrade` leave the store as a meterflow before the counts did, then runs on. */
  async function expectOldBaseline(db: string, downgrade: () => Promise<void>): Promise<void> {
    await run(db, "S1,2026-11-05,100", "S1,2026-11-06,10");
    await downgrade();
    const late = await run(db, "S1,2026-11-03,7", "S2,2026-11-05,50");
    expect(late.held.map((h) => [h.reading_id, h.reasons]).sort()).toEqual([["S1@2026-11-03", "back_dated_pulses"], ["S2@2026-11-05", "initial"]]);
    expect(late.billing).toEqual([]);
    const session = await OperationSession.open({ db });
    try {
      await expect(releaseHeld(session, { readingId: "S1@2026-11-03", reason: "ok", actor: "ops" }))
        .rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED", message: expect.stringMatching(/back_dated_pulses: .*older than this did not keep/) });
    } finally {
      await session.close();
    }
    const moved = await run(db, "S2,2026-11-02,5");
    expect(moved.billing.map((r) => [r.reading_id, r.start, r.consumption, r.flags])).toEqual([["S2@2026-11-05", "2026-11-03", "0.5", "correction"]]);
  }

  it("SQLite: a layout-13 file reads its 10-column segments; a baseline's count not kept holds a count before it", async () => {
    const path = join(dir, "layout13.db");
    await expectOldBaseline(path, async () => {
      const db = new Database(path);
      try {
        const update = db.prepare("UPDATE segments SET data = ? WHERE id = ?");
        for (const s of db.prepare("SELECT id, entries, data FROM segments").all() as Array<{ id: number; entries: number; data: Uint8Array }>) {
          update.run(tenColumns(s.data, s.entries), s.id);
        }
        db.exec("DELETE FROM meta WHERE key = 'ledger_columns'");
        db.pragma(`user_version = ${LAYOUT_BASE + 13}`);
      } finally {
        db.close();
      }
    });
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma("user_version", { simple: true })).toBe(LAYOUT_BASE + SQLITE_MIGRATIONS.length);
      expect(check.prepare("SELECT value FROM meta WHERE key = 'ledger_columns'").pluck().get()).toBe("11");
    } finally {
      check.close();
    }
  });

  describe.skipIf(!runPostgresTests)("PostgreSQL", () => {
    const admin = adminClient();
    afterAll(async () => admin.end());

    it("a schema at version 16 reads its 10-column segments; a baseline's count not kept holds a count before it", async () => {
      const schema = testSchema();
      await admin.connect();
      await expectOldBaseline(`${POSTGRES_URL}?schema=${schema}`, async () => {
        const segments = await admin.query<{ id: number; entries: number; data: Buffer }>(`SELECT id, entries, data FROM "${schema}".segments`);
        for (const s of segments.rows) await admin.query(`UPDATE "${schema}".segments SET data = $1 WHERE id = $2`, [tenColumns(s.data, s.entries), s.id]);
        await admin.query(`DELETE FROM "${schema}".meta WHERE key = 'ledger_columns'`);
        await admin.query(`UPDATE "${schema}".meterflow_schema SET version = 16`);
      });
      expect((await admin.query(`SELECT version FROM "${schema}".meterflow_schema`)).rows).toEqual([{ version: POSTGRES_MIGRATIONS.length }]);
      expect((await admin.query(`SELECT value FROM "${schema}".meta WHERE key = 'ledger_columns'`)).rows).toEqual([{ value: "11" }]);
    });
  });
});

/** A segment as a meterflow before the debounced column wrote it: format 2, its first 10 columns. */
function tenColumns(data: Uint8Array, n: number): Buffer {
  const e = createEntries(Math.max(n, 1));
  decodeSegment(e, data, n);
  const columns = [e.meter, e.end, e.value, e.prev, e.start, e.consumption, e.billed, e.flags, e.held, e.override];
  const header = Buffer.alloc(8);
  header[0] = 2;
  header[1] = columns.length;
  header.writeUInt32LE(n, 4);
  return Buffer.concat([header, ...columns.map((c) => Buffer.from(c.buffer, c.byteOffset, n * c.BYTES_PER_ELEMENT))]);
}
