// A batch of one on PostgreSQL (a manual reading with its photo) commits in two round trips:
// BEGIN with its batch row and its partition and bucket locks, then its writes with the COMMIT
// (engine/store/postgres/pipeline.ts). Every round trip is a pg client query, counted here while
// the store commits; the reading is billed and its photo kept, as without the pipeline. Before the
// commit, only the slice's reads: the meter's registry row and flag come with them.
import { createHash } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { enterManualReading, OperationSession } from "../../../engine/operations/index.js";
import { photoBytes } from "../../../engine/store/contract.js";
import type { Commit } from "../../../engine/store/contract.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir();
const DAY = Date.UTC(2026, 10, 1) / 86_400_000;

describe.skipIf(!runPostgresTests)("a batch of one on PostgreSQL", () => {
  it("commits a manual reading with a photo in two round trips", async () => {
    const db = testStoreUrl();
    const meters = write(dir, "meters.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31"]);
    await runAndRead({ meters, db, inputs: [write(dir, "night.csv", ["meter_id,end,value", "E-1,2026-11-01,1001"])], out: join(dir, "out") });
    const session = await OperationSession.open({ db });
    const store = session.store;
    const commit = store.commit.bind(store);
    const query = pg.Client.prototype.query;
    const trips: number[] = [];
    store.commit = async (c: Commit) => {
      let n = 0;
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        n++;
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      try {
        return await commit(c);
      } finally {
        pg.Client.prototype.query = query;
        trips.push(n);
      }
    };
    try {
      const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 255);
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      // Every query of the whole manual reading, from its first read to its commit.
      let all = 0;
      const counting = function (this: pg.Client, ...args: unknown[]) {
        all++;
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      pg.Client.prototype.query = counting;
      const commitCounted = store.commit;
      store.commit = async (c: Commit) => {
        pg.Client.prototype.query = query;
        try {
          return await commitCounted(c);
        } finally {
          pg.Client.prototype.query = counting;
        }
      };
      const r = await enterManualReading(session, { meterId: "E-1", endDay: DAY + 9, value: 1010, photo: { sha256, mediaType: "image/png", bytes }, actor: "ops" });
      pg.Client.prototype.query = query;
      // The slice's reads (batch row, buckets, flags, ...): the meter's registry row and flag are
      // judged from them, not read before (7 queries when they were).
      expect(all).toBe(5);
      expect(r.decision).toBe("billed");
      expect(r.billing.map((b) => [b.reading_id, b.consumption])).toEqual([["E-1@2026-11-10", 9]]);
      expect(trips).toEqual([2]);
      const photo = await store.readPhoto(sha256);
      expect(photo === undefined ? undefined : [...photoBytes(photo)]).toEqual([...bytes]);
    } finally {
      pg.Client.prototype.query = query;
      await session.close();
    }
  });
});
