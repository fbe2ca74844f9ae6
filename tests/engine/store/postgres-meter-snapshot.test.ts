// GET /v1/meters/:id on PostgreSQL reads one meter in one statement (store.meterSnapshot): it
// answers what SQLite answers (read call by call) for the same history (ledger with a correction,
// held readings, a flag and its audit); a snapshot's segments past its limit are read on from the
// ledger; a schema migrated from before `buckets.ids` finds its meters' slots.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recentFromSnapshot } from "../../../engine/api/meter-read.js";
import { inChain } from "../../../engine/decide/chain.js";
import { meterView } from "../../../engine/api/routes/meters.js";
import { bucketOf } from "../../../engine/store/contract.js";
import { recentChain } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import { openPostgresStore } from "../../../engine/store/postgres/index.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { apiFixture, STORES } from "../api/fixture.js";
import type { ApiFixture } from "../api/fixture.js";
import { adminClient, POSTGRES_URL, runPostgresTests } from "./postgres-env.js";

const dir = tempDir("meterflow-snapshot-");
const days = (from: number, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 10, from + i)).toISOString().slice(0, 10));

/** The same operations on a store: six nights of E-1 (one back-dated), E-2 flagged and held, E-3 with a spike held; the views of every meter. */
async function history(f: ApiFixture) {
  for (const [i, day] of days(1, 6).entries()) if (i !== 3) await f.run([`E-1,${day},${1000 + 10 * (i + 1)}`]);
  await f.run([`E-1,${days(4, 1)[0]},1040`, "E-3,2026-11-02,1002"]);
  expect((await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "check" } })).status).toBe(200);
  expect((await f.request("DELETE", "/v1/meters/E-1/temp-bad", { json: { reason: "checked" } })).status).toBe(200);
  expect((await f.request("PUT", "/v1/meters/E-2/temp-bad", { json: { reason: "suspect", note: "n" } })).status).toBe(200);
  await f.run(["E-2,2026-11-10,1010", "E-2,2026-11-12,1012", "E-3,2026-11-03,1003", "E-3,2026-11-04,9000000"]);
  const views: Record<string, unknown> = {};
  for (const id of ["E-1", "E-2", "E-3", "NOPE"]) {
    const res = await f.request("GET", `/v1/meters/${id}`, { token: f.tokens.viewer });
    // When the flag was set is the clock's, not the store's.
    if (res.data.temp_bad != null) res.data.temp_bad.since = "(time)";
    views[id] = { status: res.status, etag: res.headers.get("etag"), body: res.data };
  }
  return views;
}

describe.runIf(runPostgresTests)("one meter's snapshot on PostgreSQL", () => {
  it("answers GET /v1/meters/:id as SQLite does, for the same history", async () => {
    const answers = [];
    for (const { db } of STORES) {
      const f = await apiFixture(db);
      try {
        if (f.store.kind === "postgres") expect(f.store.meterSnapshot).toBeTypeOf("function");
        answers.push(await history(f));
        expect(f.logged).toEqual([]);
      } finally {
        await f.close();
      }
    }
    const [sqlite, postgres] = answers;
    expect((sqlite["E-1"] as { body: { readings: unknown[] } }).body.readings).toHaveLength(6);
    expect((sqlite["E-2"] as { body: { readings: Array<{ decision: string }> } }).body.readings.map((r) => r.decision)).toEqual(["held", "held"]);
    expect(postgres).toEqual(sqlite);
  });

  it("reads meters whose ids need quoting (the snapshot's COPY has the id as a literal) as the calls do", async () => {
    const db = STORES[1].db();
    const ids = ["O'Brien\\1", "Zähler-ü", "E-1"];
    const meters = write(dir, "awkward-meters.csv", [METERS_HEADER, ...ids.map((id) => `"${id}",electricity.register,kWh,1,,,,,,,,,1000,2026-10-31`)]);
    await runAndRead({ meters, db, inputs: [write(dir, "awkward-1.csv", ["meter_id,end,value", ...ids.map((id) => `"${id}",2026-11-01,1001`)])], out: join(dir, "awkward-o1") });
    await runAndRead({ meters, db, inputs: [write(dir, "awkward-2.csv", ["meter_id,end,value", ...ids.map((id) => `"${id}",2026-11-02,1003`)])], out: join(dir, "awkward-o2") });
    const store = await openStore(db);
    try {
      // The same store without its snapshot: read call by call.
      const calls = new Proxy(store, {
        get: (t, k) => {
          const v = Reflect.get(t, k, t) as unknown;
          return k === "meterSnapshot" ? undefined : typeof v === "function" ? v.bind(t) : v;
        },
      });
      for (const id of ids) {
        const view = await meterView(store, id);
        expect(view.readings.map((r) => [r.reading_id, r.billed])).toEqual([[`${id}@2026-11-02`, 2], [`${id}@2026-11-01`, 1]]);
        expect(view).toEqual(await meterView(calls, id));
      }
      await expect(meterView(store, "O'Brien")).rejects.toMatchObject({ code: "MF_ERR_UNKNOWN_METER" });
    } finally {
      await store.close();
    }
  });

  it("reads segments past the snapshot's limit from the ledger: the same latest billed days", async () => {
    const f = await apiFixture(STORES[1].db);
    try {
      for (const day of days(1, 7)) await f.run([`E-1,${day},${1000 + Number(day.slice(8))}`, `E-2,${day},1000`]);
      const bucket = bucketOf("E-1", f.store.partitions);
      for (const count of [1, 3, 20]) {
        const whole = await f.store.meterSnapshot!("E-1", { held: 10, segments: 100 });
        expect(whole!.segments).toHaveLength(7);
        const expected = await recentChain(f.store, bucket, whole!.slot, count, inChain);
        expect(recentFromSnapshot(whole!.segments, whole!.slot, count)).toEqual(expected);
        for (const limit of [0, 1, 2, 3, 6]) {
          const snap = await f.store.meterSnapshot!("E-1", { held: 10, segments: limit });
          expect(snap!.segments).toHaveLength(limit + 1);
          expect(snap!.segments.at(-1)!.row).toBeNull();
          const recent = recentFromSnapshot(snap!.segments, snap!.slot, count);
          // Enough when the limit covers the count's days; else it says it needs more.
          if (limit >= count) expect(recent).toEqual(expected);
          else expect(recent).toBeUndefined();
        }
      }
    } finally {
      await f.close();
    }
  });

  it("fills a migrated schema's bucket ids from its registry BLOBs; a bucket without them is read call by call", async () => {
    const f = await apiFixture(STORES[1].db);
    try {
      await f.run(["E-1,2026-11-01,1001", "E-2,2026-11-01,1002"]);
      const before = await f.request("GET", "/v1/meters/E-1");
      const schema = new URL(f.db).searchParams.get("schema")!;
      const admin = adminClient();
      await admin.connect();
      try {
        await admin.query(`UPDATE "${schema}".buckets SET ids = NULL`);
        const plain = await f.request("GET", "/v1/meters/E-1");
        expect(await f.store.meterSnapshot!("E-1", { held: 10, segments: 10 })).toBeUndefined();
        expect(plain.data).toEqual(before.data);
        // The schema as version 9 left it: no ids.
        await admin.query(`ALTER TABLE "${schema}".buckets DROP COLUMN ids, DROP COLUMN limits`);
        await admin.query(`ALTER TABLE "${schema}".held DROP COLUMN pulse`);
        await admin.query(`ALTER TABLE "${schema}".batches DROP COLUMN sensors`);
        await admin.query(`DROP FUNCTION "${schema}".meterflow_meter_snapshot`);
        await admin.query(`UPDATE "${schema}".meterflow_schema SET version = 9`);
        const reopened = await openPostgresStore(POSTGRES_URL, { schema });
        try {
          const snap = await reopened.meterSnapshot!("E-1", { held: 10, segments: 10 });
          expect(snap).toMatchObject({ slot: expect.any(Number) });
          expect(snap!.slot).toBeGreaterThanOrEqual(0);
          const filled = await admin.query(`SELECT count(*) AS n FROM "${schema}".buckets WHERE ids IS NULL`);
          expect(Number(filled.rows[0].n)).toBe(0);
        } finally {
          await reopened.close();
        }
        expect((await f.request("GET", "/v1/meters/E-1")).data).toEqual(before.data);
      } finally {
        await admin.end();
      }
    } finally {
      await f.close();
    }
  });
});
