// A long-lived server's PostgreSQL pool (openPostgresStore keepConnections): the connections are
// opened when the store opens, each has run the GET statement (so its plan exists before a request
// needs it); without it, none is; a count beyond the pool's maximum is refused.
import { describe, expect, it } from "vitest";
import { adminClient, openTestStore, runPostgresTests, testSchema } from "./postgres-env.js";

/** Idle backends of the store in `schema` (its application_name) whose last statement was the warm-up. */
async function warmBackends(schema: string): Promise<number> {
  const client = adminClient();
  await client.connect();
  try {
    const r = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name = $1 AND state = 'idle' AND query LIKE 'SELECT count(*) FROM meterflow_meter_snapshot(%'`, [`meterflow/${schema}`]);
    return r.rows[0].n as number;
  } finally {
    await client.end();
  }
}

describe.skipIf(!runPostgresTests)("PostgreSQL keepConnections", () => {
  it("opens and warms the connections it keeps, and refuses more than the maximum", async () => {
    const schema = testSchema();
    const store = await openTestStore({ schema, keepConnections: 3, maxConnections: 4 });
    expect(await warmBackends(schema)).toBe(3);
    await store.close();
    // (A closed pool's backends leave pg_stat_activity as they exit.)
    for (let i = 0; i < 100 && (await warmBackends(schema)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const cold = await openTestStore({ schema });
    expect(await warmBackends(schema)).toBe(0);
    await cold.close();
    await expect(openTestStore({ keepConnections: 5, maxConnections: 4 })).rejects.toMatchObject({ code: "MF_ERR_INVALID_OPTION" });
  });
});
