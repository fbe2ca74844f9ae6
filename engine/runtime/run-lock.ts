// One run at a time on a state. The lock is one the operating system or the server drops when
// its holder dies (a killed run must not block the next, which adopts its batches): for SQLite an
// exclusive transaction on a small file beside the state (`<db>.lock`), for PostgreSQL a session
// advisory lock keyed by the schema. The store's `runningRun()` then says which run holds it.
import { realpathSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import Database from "better-sqlite3";
import { MeterflowError } from "../errors.js";
import type { PartitionedStore } from "../store/contract.js";
import { isPostgresUrl } from "../store/open.js";

/** Another run holds the state (`MF_ERR_RUN_BUSY`). */
export class RunBusyError extends MeterflowError {
  override name = "RunBusyError";
  constructor(message: string) {
    super("MF_ERR_RUN_BUSY", message);
  }
}

/** A held run lock. */
export interface RunLock {
  release(): Promise<void>;
}

/** Options of acquireRunLock. */
export interface RunLockOptions {
  /** Wait until the state is free (polling every `pollMs`) instead of refusing. */
  wait?: boolean;
  pollMs?: number;
  /** Told once, when the run starts waiting, who holds the state. */
  onWait?: (holder: string) => void;
}

/**
 * Takes the run lock of `db`, or throws RunBusyError naming the run that holds it and since when
 * (unless `wait`, then it polls until the state is free).
 */
export async function acquireRunLock(db: string, store: PartitionedStore, options: RunLockOptions = {}): Promise<RunLock> {
  const attempt = isPostgresUrl(db) ? await postgresAttempt(db) : sqliteAttempt(db);
  try {
    let told = false;
    for (;;) {
      const lock = await attempt.tryLock();
      if (lock !== undefined) return lock;
      const holder = await describeHolder(store);
      if (!options.wait) throw new RunBusyError(`${holder} holds the state ${redact(db)}: wait for it to finish, or run again with --wait`);
      if (!told) options.onWait?.(`waiting for ${holder} to finish`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    }
  } catch (error) {
    await attempt.close();
    throw error;
  }
}

async function describeHolder(store: PartitionedStore): Promise<string> {
  const running = await store.runningRun();
  // The holder takes the lock just before it records its run: in between there is no run yet.
  return running === undefined ? "another run (starting)" : `run ${running.runId} (started ${running.startedAt})`;
}

interface Attempt {
  tryLock(): Promise<RunLock | undefined>;
  close(): Promise<void>;
}

/**
 * The lock file of the state at `path`, beside the file the path leads to: two paths to one state
 * (a symbolic link, `./` or `..` in it) take one lock. A state not made yet: beside its directory's real path.
 */
function lockFileOf(path: string): string {
  try {
    return `${realpathSync(path)}.lock`;
  } catch {
    try {
      return `${join(realpathSync(dirname(path)), basename(path))}.lock`;
    } catch {
      return `${path}.lock`;
    }
  }
}

function sqliteAttempt(path: string): Attempt {
  let lockDb: Database.Database;
  const lockFile = lockFileOf(path);
  try {
    lockDb = new Database(lockFile);
    lockDb.pragma("busy_timeout = 0");
  } catch (error) {
    throw new MeterflowError("MF_ERR_STORE_OPEN", `cannot open the run lock ${lockFile}: ${(error as Error).message}`, { cause: error });
  }
  const close = async () => {
    if (lockDb.open) lockDb.close();
  };
  return {
    async tryLock() {
      try {
        lockDb.exec("BEGIN EXCLUSIVE");
      } catch (error) {
        if ((error as { code?: string }).code === "SQLITE_BUSY") return undefined;
        throw error;
      }
      return { release: close };
    },
    close,
  };
}

async function postgresAttempt(url: string): Promise<Attempt> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "public";
  parsed.searchParams.delete("schema");
  if (parsed.username === "" && !process.env.PGUSER) parsed.username = userInfo().username;
  // Loaded here: a run on SQLite never needs the PostgreSQL client.
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: parsed.toString(), connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new MeterflowError("MF_ERR_STORE_OPEN", `cannot connect to ${redact(url)} for the run lock: ${(error as Error).message}`, { cause: error });
  }
  const close = () => client.end().catch(() => undefined);
  return {
    async tryLock() {
      const result = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [`meterflow_run:${schema}`]);
      return result.rows[0].locked ? { release: close } : undefined;
    },
    close,
  };
}

function redact(db: string): string {
  if (!isPostgresUrl(db)) return db;
  const url = new URL(db);
  url.password = "";
  return url.toString();
}
