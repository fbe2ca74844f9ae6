// The control API on SQLite while another connection holds the write lock (a job, a run or a
// worker committing a batch): the server's connection waits 0 ms and tries again without blocking
// its event loop, so a meter read is answered while a temp_bad change and a manual reading wait;
// both apply once the lock is let go. Refused for longer than the retry's limit: 503. Its commits
// never checkpoint the WAL (walAutoCheckpoint 0): a thread of its own does.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createApi } from "../../../engine/api/app.js";
import { isBusy, retryWhenBusy } from "../../../engine/api/busy.js";
import { startCheckpointer } from "../../../engine/api/checkpointer.js";
import { OperationSession } from "../../../engine/operations/index.js";
import { openStore } from "../../../engine/store/open.js";
import { apiFixture, STORES } from "./fixture.js";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const sqlite = STORES.find((s) => s.kind === "sqlite")!;

describe("control API and SQLite's write lock", () => {
  it("answers reads while writes wait for another connection's lock, then applies the writes", async () => {
    const f = await apiFixture(sqlite.db);
    await f.run(["E-1,2026-11-01,1001"]);
    await f.request("PUT", "/v1/meters/E-2/temp-bad", { json: { reason: "wrong dial" } });
    const opened = await openStore(f.db, { busyTimeoutMs: 0 });
    const store = retryWhenBusy(opened);
    const session = await OperationSession.open({ db: store });
    const app = createApi({ store, session, db: f.db, log: (e) => f.logged.push(e) });
    const headers = { authorization: `Bearer ${f.tokens.operator}` };
    const lock = new Database(f.db);
    try {
      lock.exec("BEGIN IMMEDIATE");
      // Without the retry, the connection that waits 0 ms is refused at once.
      const refused = await opened.setFlag(0, { meterId: "E-3", reason: "x", note: "", actor: "t", at: new Date().toISOString() }).catch((e: unknown) => e);
      expect(isBusy(refused)).toBe(true);
      const settled: string[] = [];
      const put = Promise.resolve(app.request("/v1/meters/E-1/temp-bad", { method: "PUT", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ reason: "meter under verification" }) }))
        .then((r) => (settled.push("put"), r));
      const photo = new FormData();
      photo.append("end", "2026-11-10");
      photo.append("value", "1010");
      photo.append("photo", new Blob([PNG], { type: "image/png" }), "dial.png");
      const manual = Promise.resolve(app.request("/v1/meters/E-2/readings", { method: "POST", headers, body: photo })).then((r) => (settled.push("manual"), r));
      const read = await app.request("/v1/meters/E-3", { headers });
      expect(read.status).toBe(200);
      settled.push("get");
      lock.exec("COMMIT");
      const [p, m] = await Promise.all([put, manual]);
      expect(settled[0]).toBe("get");
      expect(p.status).toBe(200);
      expect(await p.json()).toMatchObject({ meter_id: "E-1", temp_bad: { reason: "meter under verification", by: "operator-anna" } });
      expect(m.status).toBe(200);
      expect(await m.json()).toMatchObject({ decision: "billed", resolved_temp_bad: true });
    } finally {
      if (lock.inTransaction) lock.exec("ROLLBACK");
      lock.close();
      await session.close();
      await opened.close();
      expect(f.logged).toEqual([]);
      await f.close();
    }
  });

  it("leaves checkpoints to a thread of its own: the server's writes stay in the WAL until it copies them", async () => {
    const f = await apiFixture(sqlite.db);
    const opened = await openStore(f.db, { busyTimeoutMs: 0, walAutoCheckpoint: 0 });
    const checkpointer = startCheckpointer(f.db, { intervalMs: 3_600_000 });
    try {
      // Whatever the fixture's run left in the WAL is copied first.
      expect(await checkpointer.checkpoint()).toMatchObject({ busy: 0 });
      for (let i = 0; i < 5; i++) await opened.setFlag(0, { meterId: "E-1", reason: `r${i}`, note: "", actor: "t", at: new Date().toISOString() });
      const done = await checkpointer.checkpoint();
      expect(done).toMatchObject({ busy: 0 });
      if (!("log" in done)) throw new Error(done.error);
      expect(done.log).toBeGreaterThan(0);
      expect(done.checkpointed).toBe(done.log);
    } finally {
      await checkpointer.close();
      await opened.close();
      await f.close();
    }
  });

  it("answers 503 MF_ERR_STORE_WRITE when the lock is held longer than the retry's limit", async () => {
    const f = await apiFixture(sqlite.db);
    const opened = await openStore(f.db, { busyTimeoutMs: 0 });
    const store = retryWhenBusy(opened, { timeoutMs: 30 });
    const session = await OperationSession.open({ db: store });
    const logged: unknown[] = [];
    const app = createApi({ store, session, db: f.db, log: (e) => logged.push(e) });
    const lock = new Database(f.db);
    try {
      lock.exec("BEGIN IMMEDIATE");
      const res = await app.request("/v1/meters/E-1/temp-bad", {
        method: "PUT", headers: { authorization: `Bearer ${f.tokens.operator}`, "content-type": "application/json" }, body: JSON.stringify({ reason: "r" }),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: "MF_ERR_STORE_WRITE" });
      expect(logged.every(isBusy)).toBe(true);
    } finally {
      lock.exec("ROLLBACK");
      lock.close();
      await session.close();
      await opened.close();
      await f.close();
    }
  });
});
