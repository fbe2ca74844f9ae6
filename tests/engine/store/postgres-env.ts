// The PostgreSQL the store tests use (MF_TEST_POSTGRES_URL, default the development machine's
// 127.0.0.1:5432/test), each store in a schema of its own, dropped after. Unreachable: the tests
// skip, except under CI=true, where they fail saying why.
import { userInfo } from "node:os";
import pg from "pg";
import { afterAll } from "vitest";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { openPostgresStore } from "../../../engine/store/postgres/index.js";
import type { PostgresStoreOptions } from "../../../engine/store/postgres/index.js";

export const POSTGRES_URL = process.env.MF_TEST_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test";

/** A client of the test database, with the OS user when the URL names none (as the store does). */
export function adminClient(): pg.Client {
  const url = new URL(POSTGRES_URL);
  if (url.username === "" && !process.env.PGUSER) url.username = userInfo().username;
  return new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
}

async function probe(): Promise<string | undefined> {
  const client = adminClient();
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await probe();
if (unreachable !== undefined && process.env.CI === "true") {
  throw new Error(`PostgreSQL at ${POSTGRES_URL} is not reachable (${unreachable}); CI needs it: .ci/run starts it`);
}

/** True when the PostgreSQL tests run (skipped with a reason otherwise). */
export const postgresReachable = unreachable === undefined;
if (!postgresReachable) console.warn(`PostgreSQL tests skipped: ${POSTGRES_URL} not reachable (${unreachable})`);

const schemas: string[] = [];
const opened: PartitionedStore[] = [];

/** A fresh schema name `mf_test_<random>`, dropped when the file's tests end. */
export function testSchema(): string {
  const schema = `mf_test_${Math.random().toString(36).slice(2, 12)}`;
  schemas.push(schema);
  return schema;
}

/** Opens a store in a fresh schema (or in `options.schema`, reopening one). */
export async function openTestStore(options: PostgresStoreOptions = {}): Promise<PartitionedStore> {
  const store = await openPostgresStore(POSTGRES_URL, { ...options, schema: options.schema ?? testSchema() });
  opened.push(store);
  return store;
}

afterAll(async () => {
  // Closing twice is harmless: every pool ends before its schema goes.
  for (const store of opened.splice(0)) await store.close();
  if (!postgresReachable || schemas.length === 0) return;
  const client = adminClient();
  await client.connect();
  try {
    for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
});
