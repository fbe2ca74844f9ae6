// SQLite's WAL checkpoints off the event loop. A commit that finds the WAL over
// wal_autocheckpoint pages copies it into the database file before it returns, and behind a
// job's or a run's big commits that copy takes tens to hundreds of milliseconds: on the server's
// connection it would stop every request. So the server's connection never checkpoints
// (walAutoCheckpoint 0) and a thread of its own, with its own connection, runs a PASSIVE
// checkpoint (it waits for no reader or writer) every interval; runs and workers checkpoint as
// they always do.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** The thread: a plain script (no build step), given better-sqlite3's path, the database and the interval. */
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 0");
const run = () => {
  try {
    const [row] = db.pragma("wal_checkpoint(PASSIVE)");
    return { busy: row.busy, log: row.log, checkpointed: row.checkpointed };
  } catch (error) {
    return { error: String(error && error.message || error) };
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m === "now") parentPort.postMessage(run());
  else if (m === "close") {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

/** One checkpoint's outcome: WAL frames, and frames copied into the database (or why it could not run). */
export type CheckpointResult = { busy: number; log: number; checkpointed: number } | { error: string };

export interface Checkpointer {
  /** Runs a checkpoint now (in the thread) and says what it did. */
  checkpoint(): Promise<CheckpointResult>;
  close(): Promise<void>;
}

/** Starts checkpointing the SQLite database at `path` every `intervalMs` (default 1000) in a thread of its own. */
export function startCheckpointer(path: string, options: { intervalMs?: number } = {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(THREAD, { eval: true, workerData: { driver, path, intervalMs: options.intervalMs ?? 1000 } });
  // It never keeps the process alive, and a failure of its own is no failure of the server's.
  worker.unref();
  worker.on("error", () => undefined);
  let closed: Promise<void> | undefined;
  return {
    checkpoint: () => new Promise((resolve) => {
      worker.once("message", (r: CheckpointResult) => resolve(r));
      worker.postMessage("now");
    }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        // Kept alive until it has closed its connection (unref'd, the process could end first).
        worker.ref();
        worker.once("exit", () => resolve());
        worker.postMessage("close");
      });
      return closed;
    },
  };
}
