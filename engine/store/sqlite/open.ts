// Opening the SQLite store: options checked, the file opened and tuned, its schema created,
// migrated or converted from the previous layout, and its partition count fixed or checked.
import Database from "better-sqlite3";
import { InvalidOptionError } from "../../errors.js";
import { DEFAULT_PARTITIONS } from "../contract.js";
import type { PartitionedStore } from "../contract.js";
import { StoreError } from "../errors.js";
import { settleTimeZone, TIME_ZONE_KEY } from "../time-zone.js";
import { parseTimeZone } from "../../time/zone.js";
import { MIGRATIONS as LEGACY_MIGRATIONS } from "./legacy-schema.js";
import { convertLegacy } from "./legacy.js";
import { LAYOUT_BASE, migrateLayout, PARTITIONS_KEY } from "./schema.js";
import { SqliteStore } from "./store.js";
import { WriteTurn } from "./write-turn.js";

/** Options of openSqlitePartitionedStore. */
export interface SqliteStoreOptions {
  /** Partition count of a new store (default DEFAULT_PARTITIONS); an existing one must match. */
  partitions?: number;
  /** How long a write waits (blocking) for another connection's write lock before SQLITE_BUSY, once opened; default 10000 ms. */
  busyTimeoutMs?: number;
  /** WAL pages after which this connection's commit checkpoints (default 1000; 0 never), once opened. */
  walAutoCheckpoint?: number;
  /**
   * A WriteTurn's buffer (write-turn.ts): this connection lets the writers waiting on it (the
   * control API of the same process) go first before each write transaction.
   */
  giveWayTo?: SharedArrayBuffer;
  /** Time zone of a new store (default UTC); an existing one must match (engine/store/time-zone.ts). */
  timeZone?: string;
}

/**
 * Opens (creating, migrating or converting from the previous layout when needed) the store in
 * the SQLite file at `path`. Rejects MF_ERR_STORE_OPEN when the file cannot be opened,
 * MF_ERR_STORE_SCHEMA when it is not a meterflow database or a newer one,
 * MF_ERR_STORE_PARTITIONS when the store has another partition count, MF_ERR_STORE_TIME_ZONE
 * when it counts days in another time zone.
 * @example const store = await openSqlitePartitionedStore("state.db", { partitions: 16 });
 */
export async function openSqlitePartitionedStore(path: string, options: SqliteStoreOptions = {}): Promise<PartitionedStore> {
  const { partitions } = options;
  if (partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1 || partitions > 65_536)) {
    throw new InvalidOptionError("partitions", "an integer from 1 to 65536", partitions);
  }
  // A name that is no zone is said as such (MF_ERR_TIME_ZONE), before the file is touched.
  if (options.timeZone !== undefined) parseTimeZone(options.timeZone);
  let db: Database.Database;
  try {
    db = new Database(path);
    // Another connection (thread, process) may hold the write lock: wait for it rather than fail
    // (switching to WAL waits too, when a first import holds the file: first-import.ts).
    db.pragma("busy_timeout = 10000");
    // Large pages suit the BLOBs; set before the first table exists, ignored after.
    db.pragma("page_size = 65536");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
  } catch (error) {
    throw new StoreError("MF_ERR_STORE_OPEN", `cannot open database ${path}: ${(error as Error).message}`, error);
  }
  try {
    const { count, timeZone } = db.transaction(() => prepare(db, path, partitions, options.timeZone)).immediate();
    if (options.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    if (options.walAutoCheckpoint !== undefined) db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(options.walAutoCheckpoint))}`);
    return new SqliteStore(db, count, timeZone, path, options.giveWayTo === undefined ? undefined : new WriteTurn(options.giveWayTo));
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError("MF_ERR_STORE_SCHEMA", `cannot migrate database ${path}: ${(error as Error).message}`, error);
  }
}

/** Creates, migrates or converts the schema; fixes or checks the partition count and the time zone. */
function prepare(db: Database.Database, path: string, requested: number | undefined, zone: string | undefined): { count: number; timeZone: string } {
  const version = db.pragma("user_version", { simple: true }) as number;
  const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number;
  const created = version === 0 && tables === 0;
  const count = partitionCount(db, path, requested, version, tables);
  const stored = db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(TIME_ZONE_KEY) as string | undefined;
  const timeZone = settleTimeZone(path, stored, created, zone);
  if (timeZone.record) db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(TIME_ZONE_KEY, timeZone.name);
  return { count, timeZone: timeZone.name };
}

/** Creates, migrates or converts the schema; fixes or checks the partition count. */
function partitionCount(db: Database.Database, path: string, requested: number | undefined, version: number, tables: number): number {
  if (version === 0 && tables === 0) {
    migrateLayout(db, path, 0);
  } else if (version > LAYOUT_BASE) {
    migrateLayout(db, path, version - LAYOUT_BASE);
  } else if (version >= 1 && version <= LEGACY_MIGRATIONS.length) {
    convertLegacy(db, requested ?? DEFAULT_PARTITIONS);
    migrateLayout(db, path, 1);
  } else {
    throw new StoreError("MF_ERR_STORE_SCHEMA", `${path} is not a meterflow database this version can read (user_version ${version})`);
  }
  const stored = db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(PARTITIONS_KEY) as string | undefined;
  if (stored === undefined) {
    const count = requested ?? DEFAULT_PARTITIONS;
    db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(PARTITIONS_KEY, String(count));
    const insert = db.prepare("INSERT OR IGNORE INTO partitions (partition, version) VALUES (?, 0)");
    for (let p = 0; p < count; p++) insert.run(p);
    return count;
  }
  const count = Number(stored);
  if (requested !== undefined && requested !== count) {
    throw new StoreError("MF_ERR_STORE_PARTITIONS", `${path} has ${count} partitions (fixed when it was created), not ${requested}`);
  }
  return count;
}
