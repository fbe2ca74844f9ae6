// writeRows (the PostgreSQL store's copy.ts): a few rows go in by one INSERT of parameters, more
// by binary COPY; either way the table holds the same values, read back by binary COPY: NaN,
// -0 and infinities, NULLs, text beyond ASCII, empty and large BLOBs. A few rows take an ON
// CONFLICT clause (a batch of one's state upsert). Through a Pipeline (a commit's), the same.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyOut, FEW_ROWS, writeRows } from "../../../engine/store/postgres/copy.js";
import type { CopyKind, CopyValue } from "../../../engine/store/postgres/copy.js";
import { Pipeline } from "../../../engine/store/postgres/pipeline.js";
import { adminClient, runPostgresTests, testSchema } from "./postgres-env.js";

const KINDS: CopyKind[] = ["int", "float", "text", "bytea"];
const COLUMNS = ["k", "f", "t", "b"];
const FLOATS = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5e300, -2.25, 1 / 3];

function rowsOf(count: number, from = 0): CopyValue[][] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return [
      i,
      i % 9 === 8 ? null : FLOATS[i % FLOATS.length],
      i % 5 === 4 ? null : `m-${i} é 電 '";\\`.repeat(i % 3),
      i % 7 === 6 ? null : Uint8Array.from({ length: i % 4 === 0 ? 0 : 3000 + i }, (_, k) => (k * 13 + i) & 255),
    ];
  });
}

/** Floats by Object.is (NaN, -0), BLOBs by their bytes. */
const plain = (rows: CopyValue[][]) => rows.map((row) => row.map((v) => (v instanceof Uint8Array ? [...v] : typeof v === "number" ? `${Object.is(v, -0) ? "-0" : v}` : v)));

describe.skipIf(!runPostgresTests)("PostgreSQL writeRows", () => {
  const schema = testSchema();
  let client: pg.Client;
  beforeAll(async () => {
    client = adminClient();
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"; SET search_path = "${schema}"`);
  });
  afterAll(async () => {
    await client?.end();
  });

  const read = async (table: string) => copyOut(client as unknown as pg.PoolClient, `SELECT ${COLUMNS.join(", ")} FROM ${table} ORDER BY k`, KINDS);

  it("writes the same values by INSERT (a few rows) as by COPY (more)", async () => {
    for (const count of [1, FEW_ROWS, FEW_ROWS + 1, 40]) {
      const table = `t${count}`;
      await client.query(`CREATE TABLE ${table} (k integer PRIMARY KEY, f double precision, t text, b bytea)`);
      const rows = rowsOf(count);
      await writeRows(client as unknown as pg.PoolClient, table, COLUMNS, KINDS, count, (r, c) => rows[r][c]);
      expect(plain(await read(table)), `${count} rows`).toEqual(plain(rows));
    }
  });

  it("writes the same values through a Pipeline (a commit's statements: queued and inlined, or copied)", async () => {
    for (const count of [1, FEW_ROWS, FEW_ROWS + 1]) {
      const table = `p${count}`;
      await client.query(`CREATE TABLE ${table} (k integer PRIMARY KEY, f double precision, t text, b bytea)`);
      const rows = rowsOf(count);
      const p = new Pipeline(client);
      await writeRows(p, table, COLUMNS, KINDS, count, (r, c) => rows[r][c]);
      await p.flush();
      expect(plain(await read(table)), `${count} rows`).toEqual(plain(rows));
    }
  });

  it("upserts a few rows with the ON CONFLICT clause given", async () => {
    await client.query("CREATE TABLE u (k integer PRIMARY KEY, f double precision, t text, b bytea)");
    const first = rowsOf(4);
    await writeRows(client as unknown as pg.PoolClient, "u", COLUMNS, KINDS, 4, (r, c) => first[r][c]);
    const next = rowsOf(3, 10).map((row, i) => [i * 2, ...row.slice(1)]);
    await writeRows(client as unknown as pg.PoolClient, "u", COLUMNS, KINDS, 3, (r, c) => next[r][c],
      "ON CONFLICT (k) DO UPDATE SET f = excluded.f, t = excluded.t, b = excluded.b");
    expect(plain(await read("u"))).toEqual(plain([next[0], first[1], next[1], first[3], next[2]]));
  });
});
