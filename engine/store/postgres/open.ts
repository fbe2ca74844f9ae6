// Opening the PostgreSQL store: options checked, a pool connected, the schema migrated.
import { userInfo } from "node:os";
import pg from "pg";
import { InvalidOptionError } from "../../errors.js";
import type { PartitionedStore } from "../contract.js";
import { StoreError } from "../errors.js";
import { migrate } from "./schema.js";
import { PostgresStore } from "./store.js";
import { parseTimeZone } from "../../time/zone.js";

/** Options of openPostgresStore. */
export interface PostgresStoreOptions {
  /** Partition count of a new store (default DEFAULT_PARTITIONS); an existing one must match. */
  partitions?: number;
  /** Schema holding the tables (created when missing); default `public`. */
  schema?: string;
  /** Most connections the pool opens (default 10). */
  maxConnections?: number;
  /**
   * Connections opened at once and kept open while idle (at most maxConnections; default 0: an
   * idle connection closes after 10 s). A long-lived server keeps its pool: a connection opened
   * under load costs its request a new backend and the first plan of its statements (50-90 ms
   * each, measured beside the API's GETs on this machine). Each is warmed: the GET statement
   * (migration 11's function) is run once, so its plan is made before a request needs it.
   */
  keepConnections?: number;
  /** Time zone of a new store (default UTC); an existing one must match (engine/store/time-zone.ts). */
  timeZone?: string;
  /** The schema must hold a store already: otherwise MF_ERR_STORE_MISSING, and nothing is created. */
  mustExist?: boolean;
}

// Lower case only: search_path folds an unquoted name to lower case.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the store in database `url` (`postgres://[user[:password]@]host[:port]/database`),
 * creating or migrating its tables. Rejects MF_ERR_STORE_OPEN when the database cannot be
 * reached, MF_ERR_STORE_PARTITIONS when the store has another partition count.
 * @example const store = await openPostgresStore("postgres://127.0.0.1:5432/test", { partitions: 16 });
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PartitionedStore> {
  const { partitions, schema = "public", maxConnections = 10, keepConnections = 0 } = options;
  if (partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1 || partitions > 65_536)) {
    throw new InvalidOptionError("partitions", "an integer from 1 to 65536", partitions);
  }
  // A name that is no zone is said as such (MF_ERR_TIME_ZONE), before the schema is touched.
  if (options.timeZone !== undefined) parseTimeZone(options.timeZone);
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema)) {
    throw new InvalidOptionError("schema", "a lower-case SQL identifier (a-z, 0-9, _; at most 63)", schema);
  }
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new InvalidOptionError("maxConnections", "a positive integer", maxConnections);
  }
  if (!Number.isInteger(keepConnections) || keepConnections < 0 || keepConnections > maxConnections) {
    throw new InvalidOptionError("keepConnections", `an integer from 0 to maxConnections (${maxConnections})`, keepConnections);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidOptionError("url", "a postgres:// URL", url);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new InvalidOptionError("url", "a postgres:// URL", redact(parsed));
  }
  // pg falls back to $USER, which services often lack; libpq's rule is the OS user.
  if (parsed.username === "" && !process.env.PGUSER) parsed.username = userInfo().username;
  const name = `${redact(parsed)} schema ${schema}`;

  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: maxConnections,
    min: keepConnections,
    connectionTimeoutMillis: 10_000,
    options: `-c search_path=${schema}`,
    // Which store a backend serves, in pg_stat_activity.
    application_name: `meterflow/${schema}`,
  });
  // A connection cut (a PostgreSQL fast restart, pg_terminate_backend, a TCP reset) must not
  // crash the process. An idle client's error reaches the pool, which drops the client; a client
  // checked out (a transaction, a COPY) has no listener of the pool's then, and node-postgres
  // emits the error on it as well as failing its query: the query's failure is the operation's
  // (a commit rejects, its batch is tried again), and the pool drops the client at its release
  // (it is no longer queryable), so the next operation gets a fresh connection.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreError("MF_ERR_STORE_OPEN", `cannot connect to ${name}: ${(error as Error).message}`, error);
  }
  let count: number;
  let timeZone: string;
  try {
    ({ partitions: count, timeZone } = await migrate(client, schema, partitions, options.timeZone, options.mustExist === true ? redact(parsed) : undefined));
    client.release();
  } catch (error) {
    client.release(true);
    await pool.end().catch(() => undefined);
    if (error instanceof StoreError) throw error;
    throw new StoreError("MF_ERR_STORE_SCHEMA", `cannot migrate ${name}: ${(error as Error).message}`, error);
  }
  try {
    await warm(pool, keepConnections);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreError("MF_ERR_STORE_OPEN", `cannot connect to ${name}: ${(error as Error).message}`, error);
  }
  return new PostgresStore(pool, count, timeZone, name);
}

/** Opens `n` connections together and runs the GET statement once on each (its plan made), then leaves them idle in the pool. */
async function warm(pool: pg.Pool, n: number): Promise<void> {
  if (n === 0) return;
  const clients = await Promise.all(Array.from({ length: n }, () => pool.connect()));
  try {
    await Promise.all(clients.map((c) => c.query("SELECT count(*) FROM meterflow_meter_snapshot('', -1, 0, 0)")));
  } finally {
    for (const c of clients) c.release();
  }
}

/** The URL without its password, for messages. */
function redact(url: URL): string {
  const copy = new URL(url.toString());
  copy.password = "";
  return copy.toString();
}
