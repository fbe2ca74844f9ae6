// PostgreSQL for benches: each bench's store in a schema of its own, dropped when it ends, so a
// run neither piles onto the one before nor leaves its state behind.
import { userInfo } from "node:os";
import pg from "pg";

/** `url` with a fresh `schema=mf_bench_<random>` parameter, and that schema's name. */
export function benchSchema(url: string): { url: string; schema: string } {
  const schema = `mf_bench_${Math.random().toString(36).slice(2, 10)}`;
  const u = new URL(url);
  u.searchParams.set("schema", schema);
  return { url: u.href, schema };
}

/** Drops `schemas` from the database of `url`, connecting as the store does (the OS user when the URL names none). */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const admin = new URL(url);
  if (admin.username === "") admin.username = process.env.PGUSER ?? userInfo().username;
  admin.search = "";
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
