// Taking turns at SQLite's write lock (engine/store/sqlite/write-turn.ts). A thread committing
// back to back (as a job of the server does, each transaction holding the lock for a while)
// takes the lock again a moment after it let it go; the server's write, refused and tried again,
// could sit behind many of its transactions. With a WriteTurn the waiting write is let go first:
// it waits for the transaction in progress (and, at worst, one that began as it was refused),
// never for a string of them. Real SQLite, a real worker thread (the yielding side blocks its
// thread, so it runs from the compiled package in dist/, built by npm install).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { retryWhenBusy } from "../../../engine/api/busy.js";
import { Jobs } from "../../../engine/api/jobs/index.js";
import { openStore } from "../../../engine/store/open.js";
import { WriteTurn } from "../../../engine/store/sqlite/index.js";

const TURN = pathToFileURL(join(import.meta.dirname, "../../../dist/engine/store/sqlite/write-turn.js")).href;

/** A thread writing transaction after transaction, each holding the lock `holdMs`, giving way on `turn` (or not) until `stop` is set. */
const WRITER = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require("better-sqlite3");
import(workerData.turnModule).then(({ WriteTurn }) => {
  const db = new Database(workerData.path);
  db.pragma("busy_timeout = 10000");
  const turn = workerData.giveWay ? new WriteTurn(workerData.turn) : undefined;
  const stop = new Int32Array(workerData.stop);
  const insert = db.prepare("INSERT INTO job_rows (at) VALUES (?)");
  let transactions = 0;
  parentPort.postMessage("started");
  while (Atomics.load(stop, 0) === 0) {
    turn?.giveWay();
    db.exec("BEGIN IMMEDIATE");
    const until = performance.now() + workerData.holdMs;
    while (performance.now() < until) insert.run(performance.now());
    db.exec("COMMIT");
    transactions++;
    if (turn !== undefined) turn.ended();
    else Atomics.add(new Int32Array(workerData.turn), 1, 1);
  }
  db.close();
  parentPort.postMessage(transactions);
});
`;

/** Runs `writes` temp_bad changes on a server-like connection while the thread writes; per write, the thread's transactions that ended meanwhile. */
async function contend(giveWay: boolean, writes: number): Promise<{ passed: number[]; transactions: number }> {
  const dir = mkdtempSync(join(tmpdir(), "mf-turn-"));
  const path = join(dir, "state.db");
  const opened = await openStore(path, { busyTimeoutMs: 0 });
  const turn = new WriteTurn();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const setup = await import("better-sqlite3");
  const raw = new setup.default(path);
  raw.exec("CREATE TABLE job_rows (at REAL)");
  raw.close();
  const worker = new Worker(WRITER, { eval: true, workerData: { path, turn: turn.buffer, stop: stop.buffer, giveWay, holdMs: 5, turnModule: TURN } });
  try {
    await new Promise((resolve) => worker.once("message", resolve));
    const store = retryWhenBusy(opened, giveWay ? { turn } : {});
    const passed: number[] = [];
    for (let i = 0; i < writes; i++) {
      const before = turn.ends;
      await store.setFlag(0, { meterId: `E-${i}`, reason: "wrong dial", note: "", actor: "operator", at: new Date().toISOString() });
      passed.push(turn.ends - before);
      // Apart, as requests come: the thread is back at its writing by the next one.
      await sleep(3);
    }
    Atomics.store(stop, 0, 1);
    const transactions = await new Promise<number>((resolve) => worker.once("message", resolve));
    expect(await opened.readFlags([0])).toHaveLength(writes);
    return { passed, transactions };
  } finally {
    Atomics.store(stop, 0, 1);
    await worker.terminate();
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("WriteTurn: the server's writes and a job's transactions", () => {
  it("lets a waiting write go after the transaction in progress, not after a string of them", async () => {
    const { passed, transactions } = await contend(true, 40);
    // The thread kept writing, and the writes did meet its lock (else this proves nothing).
    expect(transactions).toBeGreaterThan(0);
    expect(passed.filter((p) => p > 0).length).toBeGreaterThan(0);
    // The transaction in progress when refused, and at worst one begun before the write said it waits.
    // (Summed: a yielding thread writes anyway after MAX_GIVE_WAY_MS, which a loaded machine's event loop may pass once.)
    expect(passed.reduce((n, p) => n + p, 0)).toBeLessThanOrEqual(2 * passed.length);
    expect(passed.filter((p) => p <= 2).length).toBeGreaterThanOrEqual(passed.length - 2);
  });

  it("is handed to the server's jobs: a job's run writes through connections that take turns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mf-turn-"));
    const turn = new WriteTurn();
    try {
      writeFileSync(join(dir, "readings.csv"), "meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-02,110\n");
      const jobs = new Jobs(join(dir, "state.db"), dir, () => ({}), { inThread: false }, turn.buffer);
      jobs.start("admin", { inputs: ["readings.csv"], out: "out" });
      await jobs.idle();
      expect(jobs.get("job-1").view).toMatchObject({ status: "finished", counts: { in: 2 } });
      // The run's start, its batch's commit and its end, at least: each announced on the turn.
      expect(turn.ends).toBeGreaterThanOrEqual(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says when each write transaction of a connection given the turn ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mf-turn-"));
    const turn = new WriteTurn();
    const store = await openStore(join(dir, "state.db"), { giveWayTo: turn.buffer });
    try {
      const at = new Date().toISOString();
      await store.setFlag(0, { meterId: "E-1", reason: "wrong dial", note: "", actor: "operator", at });
      await store.clearFlag(0, "E-1", "fixed", "operator");
      expect(turn.ends).toBe(2);
      // On the main thread it never blocks, even with writers waiting (they may need this thread).
      const leave = turn.enter();
      await store.setFlag(0, { meterId: "E-3", reason: "wrong dial", note: "", actor: "operator", at });
      leave();
      expect(turn.ends).toBe(3);
      expect(turn.waiting).toBe(0);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
