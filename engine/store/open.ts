// One way to open a store on every command: `--db postgres://...` (or postgresql://) selects
// PostgreSQL, another URL is refused, anything else is the path of an SQLite file (the embedded
// default). location.ts checks which.
import type { PartitionedStore } from "./contract.js";
import { existsSync } from "node:fs";
import { StoreError } from "./errors.js";
import { checkStoreLocation, isPostgresUrl } from "./location.js";
import { openSqlitePartitionedStore } from "./sqlite/index.js";

/** Options of openStore. */
export interface OpenStoreOptions {
  /** Partition count of a new store; an existing store must have it (default: the store's own, or 16). */
  partitions?: number;
  /**
   * Time zone of a new store (UTC, `+01:00`, `Europe/Berlin`); an existing store must have it
   * (default: the store's own, or UTC). engine/store/time-zone.ts.
   */
  timeZone?: string;
  /**
   * SQLite only: how long a write waits, blocking its thread, for another connection's write
   * lock before it fails with SQLITE_BUSY (default 10000 ms). The control API waits 0 and retries
   * without blocking its event loop.
   */
  busyTimeoutMs?: number;
  /**
   * SQLite only: WAL pages after which a commit of this connection checkpoints (copies the WAL
   * into the database file, blocking its thread); default SQLite's 1000, 0 never (another
   * connection or thread checkpoints instead).
   */
  walAutoCheckpoint?: number;
  /**
   * SQLite only: the buffer of a WriteTurn (sqlite/write-turn.ts) whose waiting writers (the
   * control API in this process) this connection lets go first before each write transaction:
   * a job of the server passes it to its connections.
   */
  giveWayTo?: SharedArrayBuffer;
  /**
   * The store must exist already (an operator's command, a server, a publisher): a missing SQLite
   * file or a PostgreSQL schema without meterflow's tables is MF_ERR_STORE_MISSING, and nothing is
   * created. Default false: created when missing.
   */
  mustExist?: boolean;
  /** PostgreSQL only: connections kept open and warmed while idle (a long-lived server; see PostgresStoreOptions). */
  keepConnections?: number;
}

export { isPostgresUrl };

/**
 * Opens the store `db` names. A PostgreSQL URL may carry `?schema=NAME` (default `public`), so
 * several stores share one database, and the pg client's TLS parameters; another parameter, or a
 * URL of another scheme, is MF_ERR_STORE_URL (location.ts).
 * @example await openStore("state.db"); await openStore("postgres://127.0.0.1:5432/test?schema=nightly");
 */
export async function openStore(db: string, options: OpenStoreOptions = {}): Promise<PartitionedStore> {
  checkStoreLocation(db);
  if (!isPostgresUrl(db)) {
    const { mustExist, ...sqliteOptions } = options;
    if (mustExist === true && !existsSync(db)) throw missingStore(db);
    return openSqlitePartitionedStore(db, sqliteOptions);
  }
  const { busyTimeoutMs: _, walAutoCheckpoint: __, giveWayTo: ___, ...pgOptions } = options;
  const url = new URL(db);
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  // Loaded only for PostgreSQL: SQLite commands (and their threads) start without the pg client.
  const { openPostgresStore } = await import("./postgres/index.js");
  return openPostgresStore(url.toString(), { ...pgOptions, ...(schema === undefined ? {} : { schema }) });
}

/** MF_ERR_STORE_MISSING for `db`: a mistyped store is an error, not a new empty state. */
export function missingStore(db: string, where = db): StoreError {
  return new StoreError("MF_ERR_STORE_MISSING", `no meterflow state at ${where} (a run or a registry import creates it: meterflow run --db ${db} ... or meterflow meters import --db ${db} ...)`);
}
