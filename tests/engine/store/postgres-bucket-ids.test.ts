// A PostgreSQL bucket's `ids` (its meter ids in slot order, migration 10: one statement finds a
// meter's slot for GET /v1/meters/:id) equal the ids of its registry BLOB, written by an import
// from the BLOB's bytes for ASCII ids and through their strings otherwise.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeRegistry } from "../../../engine/store/bucket.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { adminClient, runPostgresTests, testStoreUrl } from "./postgres-env.js";

const dir = tempDir();

describe.skipIf(!runPostgresTests)("PostgreSQL buckets.ids", () => {
  it("holds each bucket's registry ids in slot order, ASCII and not, after an import and a second import adding meters", async () => {
    const db = testStoreUrl();
    const schema = new URL(db).searchParams.get("schema")!;
    const ids = Array.from({ length: 3000 }, (_, i) => (i % 101 === 3 ? `Zähler-${i}` : i % 2 === 0 ? `E-${i}` : `ELEC-LONG-ID-${i}`));
    const line = (id: string) => `${id},electricity.register,kWh,1,,,,,,,,,,`;
    const none = write(dir, "none.csv", ["meter_id,end,value"]);
    await runAndRead({ meters: write(dir, "m1.csv", [METERS_HEADER, ...ids.slice(0, 2000).map(line)]), inputs: [none], db, out: join(dir, "o1") });
    await runAndRead({ meters: write(dir, "m2.csv", [METERS_HEADER, ...ids.map(line)]), inputs: [none], db, out: join(dir, "o2") });
    const admin = adminClient();
    await admin.connect();
    try {
      const rows = (await admin.query(`SELECT bucket, registry, ids FROM "${schema}".buckets WHERE meters > 0 ORDER BY bucket`)).rows as
        Array<{ bucket: number; registry: Buffer; ids: string[] | null }>;
      let meters = 0;
      for (const row of rows) {
        expect(row.ids, `bucket ${row.bucket}`).toEqual(decodeRegistry(row.registry).ids);
        meters += row.ids!.length;
      }
      expect(meters).toBe(ids.length);
      expect(rows.some((r) => r.ids!.some((id) => id.startsWith("Zähler")))).toBe(true);
    } finally {
      await admin.end();
    }
  });
});
