// PostgreSQL for benches: each bench's store in a schema of its own, dropped when it ends, so a
// run neither piles onto the one before nor leaves its state behind.
import { spawnSync } from "node:child_process";
import { userInfo } from "node:os";
import pg from "pg";

/** `url` with a fresh `schema=mf_bench_<random>` parameter, and that schema's name. */
export function benchSchema(url: string): { url: string; schema: string } {
  const schema = `mf_bench_${Math.random().toString(36).slice(2, 10)}`;
  const u = new URL(url);
  u.searchParams.set("schema", schema);
  return { url: u.href, schema };
}

/** A client on the database of `url` (no schema), connecting as the store does (the OS user when the URL names none). */
async function adminClient(url: string): Promise<pg.Client> {
  const admin = new URL(url);
  if (admin.username === "") admin.username = process.env.PGUSER ?? userInfo().username;
  admin.search = "";
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  return client;
}

/** Drops `schemas` from the database of `url`. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const client = await adminClient(url);
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Lets the disk settle before a measured phase: a CHECKPOINT (superuser or pg_checkpoint; skipped
 * with a note otherwise) writes the server's dirty pages, then sync(1) the OS's, so a phase does
 * not pay for the writeback of the setup's (or the phase before's) writes. Returns what it did.
 */
export async function settle(url: string | undefined): Promise<string> {
  let did = "sync";
  if (url !== undefined) {
    const client = await adminClient(url);
    try {
      await client.query("CHECKPOINT");
      did = "checkpoint + sync";
    } catch (error) {
      did = `sync (no checkpoint: ${(error as Error).message})`;
    } finally {
      await client.end();
    }
  }
  spawnSync("sync");
  return did;
}
