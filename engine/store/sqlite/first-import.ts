// The first registry import into a store writes each page once. In WAL mode every page of an
// import goes to the WAL and is copied into the database file again by the checkpoint at its
// commit (1M meters, 113 MB, measured here: COMMIT and close 270-280 ms, on an import's serial
// tail). Into an empty `meters` table an import only appends pages, so under a rollback journal
// it writes them once and journals next to nothing (COMMIT and close 60-90 ms).
//
// So an import into an empty registry runs under `journal_mode = DELETE` (with `synchronous =
// FULL`, the durable setting for a rollback journal) when this connection can switch (no other
// connection has the file open in WAL mode: the switch fails then and the import runs in WAL as
// any other), and switches back to WAL afterwards, whatever the outcome. Every connection
// meterflow opens sets WAL itself (open.ts, waiting for the lock), so a file left in DELETE mode
// by a crash, or by a reader that blocked the switch back, is WAL again at its next open.
import type Database from "better-sqlite3";

/** Runs `work` (one write transaction of its own) in the journal mode that suits it (see above). */
export async function asFirstImport<T>(db: Database.Database, work: () => Promise<T>): Promise<T> {
  if (db.inTransaction || !registryEmpty(db) || !switchTo(db, "delete")) return work();
  db.pragma("synchronous = FULL");
  try {
    return await work();
  } finally {
    db.pragma("synchronous = NORMAL");
    switchTo(db, "wal");
  }
}

function registryEmpty(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM meters LIMIT 1").get() === undefined;
}

/** Whether the connection's journal mode is `mode` after asking for it (another connection may keep it from changing). */
function switchTo(db: Database.Database, mode: "delete" | "wal"): boolean {
  try {
    return db.pragma(`journal_mode = ${mode}`, { simple: true }) === mode;
  } catch {
    return false;
  }
}
