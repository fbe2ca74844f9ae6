// The PostgreSQL store's Pipeline (engine/store/postgres/pipeline.ts): statements queued with
// `later` go with the next one whose answer is needed, in one round trip, their parameters
// written as literals. Checked against the server: a literal means what the parameter meant
// (quotes, backslashes, text beyond ASCII, -0, NaN, infinities, NULLs, BLOBs, arrays), statements
// run in order and answer in order, a large BLOB goes on its own, a failure fails the send and
// what was queued after it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inline, Pipeline } from "../../../engine/store/postgres/pipeline.js";
import { adminClient, runPostgresTests, testSchema } from "./postgres-env.js";

const VALUES: unknown[] = [
  "it's a \\ back'slash \"quote\" é 電 \n newline ; $1 -- not a comment",
  -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e21, 5e-324, -2.25,
  2147483647,
  null,
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Uint8Array.of(0, 39, 92, 34),
  ["a", null, "b'c", "d\\e", "f\"g", "", "NULL"],
  [1, -0, 3.5],
  [Buffer.from("x'\\y"), null],
];
const TYPES = ["text", "float8", "float8", "float8", "float8", "float8", "float8", "float8", "integer", "text", "bytea", "bytea", "text[]", "float8[]", "bytea[]"];
const SELECT = `SELECT ${TYPES.map((t, i) => `$${i + 1}::${t} AS c${i}`).join(", ")}`;

/** Counts the round trips a client makes (each query call is one). */
function counting(client: pg.Client): { calls: () => number } {
  let calls = 0;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    calls++;
    return query(...args);
  };
  return { calls: () => calls };
}

describe("inline", () => {
  it("replaces each $n with its value's literal and refuses a missing or unused value", () => {
    expect(inline("SELECT $1, $2, $1", ["a'b", 3])).toBe("SELECT 'a''b', '3', 'a''b'");
    expect(() => inline("SELECT $2", [1])).toThrow(RangeError);
    expect(() => inline("SELECT $1", [1, 2])).toThrow(RangeError);
  });
});

describe.skipIf(!runPostgresTests)("PostgreSQL Pipeline", () => {
  const schema = testSchema();
  let client: pg.Client;
  beforeAll(async () => {
    client = adminClient();
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"; SET search_path = "${schema}"; CREATE TABLE t (k integer PRIMARY KEY, b bytea)`);
  });
  afterAll(async () => {
    await client?.end();
  });

  it("gives every value, inlined, the meaning it has as a parameter", async () => {
    const asParameters = await client.query(SELECT, VALUES);
    const p = new Pipeline(client);
    const inlined = await p.query(SELECT, VALUES);
    expect(inlined.rows).toEqual(asParameters.rows);
    const row = inlined.rows[0] as Record<string, unknown>;
    // node-postgres sends -0 as "0" (writeRows keeps it as "-0"): the literal says the same.
    expect(Object.is(row.c1, 0)).toBe(true);
    expect(row.c2).toBeNaN();
    expect(row.c9).toBeNull();
    expect([...(row.c10 as Buffer)]).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it("sends what is queued with the next statement that needs an answer, in order, in one round trip", async () => {
    const p = new Pipeline(client);
    const round = counting(client);
    const first = p.later("INSERT INTO t (k, b) VALUES ($1, $2)", [1, Buffer.from("one")]);
    void p.later("UPDATE t SET b = $1 WHERE k = $2", [Buffer.from("uno"), 1]);
    void p.later("INSERT INTO t (k, b) VALUES ($1, $2)", [2, null]);
    expect(round.calls()).toBe(0);
    const read = await p.query<{ k: number; b: Buffer | null }>("SELECT k, b FROM t ORDER BY k");
    expect(round.calls()).toBe(1);
    expect((await first).rowCount).toBe(1);
    expect(read.rows.map((r) => [r.k, r.b?.toString() ?? null])).toEqual([[1, "uno"], [2, null]]);
    await p.flush();
    expect(round.calls()).toBe(1);
  });

  it("answers a queued statement by sending the queue only while the statement is in it", async () => {
    const p = new Pipeline(client);
    const round = counting(client);
    const queued = p.later<{ n: number }>("SELECT $1::int AS n", [5]);
    expect((await p.answer(queued)).rows[0].n).toBe(5);
    expect(round.calls()).toBe(1);
    void p.later("SELECT 1");
    // Sent already: answered without sending what was queued after it.
    expect((await p.answer(queued)).rows[0].n).toBe(5);
    expect(round.calls()).toBe(1);
    await p.flush();
    expect(round.calls()).toBe(2);
  });

  it("sends a large BLOB as a statement of its own, in its turn", async () => {
    const p = new Pipeline(client);
    const round = counting(client);
    const big = Buffer.alloc((1 << 20) + 1, 7);
    void p.later("DELETE FROM t WHERE k = $1", [3]);
    void p.later("INSERT INTO t (k, b) VALUES ($1, $2)", [3, big]);
    const read = await p.query<{ n: number }>("SELECT length(b) AS n FROM t WHERE k = $1", [3]);
    expect(read.rows[0].n).toBe(big.length);
    expect(round.calls()).toBe(3);
  });

  it("fails the send and everything queued after the statement that failed", async () => {
    const p = new Pipeline(client);
    await client.query("BEGIN");
    const duplicate = p.later("INSERT INTO t (k, b) VALUES ($1, $2)", [1, null]);
    const after = p.later("INSERT INTO t (k, b) VALUES ($1, $2)", [4, null]);
    await expect(p.flush()).rejects.toThrow(/duplicate key/);
    await expect(duplicate).rejects.toThrow(/duplicate key/);
    await expect(after).rejects.toThrow(/duplicate key/);
    await client.query("ROLLBACK");
    expect((await client.query("SELECT count(*)::int AS n FROM t WHERE k = 4")).rows[0].n).toBe(0);
  });
});
