// The PostgreSQL the store tests use (MF_TEST_POSTGRES_URL, default the development machine's
// 127.0.0.1:5432/test), each store in a schema of its own, dropped after. Unreachable: the tests
// skip, except under CI=true, where they fail saying why. `postgresHarness` is the contract
// suite's (contract.ts) way in.
import { userInfo } from "node:os";
import pg from "pg";
import { afterAll } from "vitest";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { openPostgresStore } from "../../../engine/store/postgres/index.js";
import type { PostgresStoreOptions } from "../../../engine/store/postgres/index.js";
import type { StoreHarness } from "./contract.js";

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

/** Why PostgreSQL cannot be used, or undefined when it can. */
export const postgresProblem = unreachable === undefined ? undefined
  : `PostgreSQL at ${POSTGRES_URL} is not reachable (${unreachable})`;

/**
 * Whether the PostgreSQL tests run: always under CI=true (.ci/run starts the server, so an
 * unreachable one fails them, saying why), else only when the server answers.
 */
export const runPostgresTests = postgresProblem === undefined || process.env.CI === "true";
if (!runPostgresTests) console.warn(`PostgreSQL tests skipped: ${postgresProblem}`);

const schemas: string[] = [];
const opened: PartitionedStore[] = [];

/** A fresh schema name `mf_test_<random>`, dropped when the file's tests end. */
export function testSchema(): string {
  const schema = `mf_test_${Math.random().toString(36).slice(2, 12)}`;
  schemas.push(schema);
  return schema;
}

/** A `--db` URL of a fresh schema (dropped when the file's tests end), for runs of the CLI or runFiles. */
export function testStoreUrl(): string {
  return `${POSTGRES_URL}?schema=${testSchema()}`;
}

/** Opens a store in a fresh schema (or in `options.schema`, reopening one). */
export async function openTestStore(options: PostgresStoreOptions = {}): Promise<PartitionedStore> {
  const store = await openPostgresStore(POSTGRES_URL, { ...options, schema: options.schema ?? testSchema() });
  opened.push(store);
  return store;
}

async function dropSchemas(names: string[]): Promise<void> {
  if (postgresProblem !== undefined || names.length === 0) return;
  const client = adminClient();
  await client.connect();
  try {
    for (const schema of names) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  // Closing twice is harmless: every pool ends before its schema goes.
  for (const store of opened.splice(0)) await store.close();
  await dropSchemas(schemas.splice(0));
});

/** The contract suite's harness: a fresh schema; cleanup ends every pool and drops the schema. */
export async function postgresHarness(options: { partitions: number }): Promise<StoreHarness> {
  const schema = `mf_test_${Math.random().toString(36).slice(2, 12)}`;
  const stores: PartitionedStore[] = [];
  const open = async (more: { partitions?: number } = {}) => {
    const store = await openPostgresStore(POSTGRES_URL, { ...more, schema });
    stores.push(store);
    return store;
  };
  return {
    store: await open(options),
    open,
    async cleanup() {
      for (const store of stores) await store.close();
      await dropSchemas([schema]);
    },
  };
}
