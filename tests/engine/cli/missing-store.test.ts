// A store that is not there is an error on every command that needs one, on both stores: a
// mistyped SQLite path or PostgreSQL schema is MF_ERR_STORE_MISSING (exit 1), and nothing is
// created (PostgreSQL used to create the schema and answer from an empty store).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meterflowIn } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";
import { adminClient, POSTGRES_URL, runPostgresTests, testSchema } from "../store/postgres-env.js";

const dir = tempDir("meterflow-missing-store-");
const meterflow = (...args: string[]) => meterflowIn(dir, ...args);

const COMMANDS: string[][] = [
  ["held", "list"],
  ["held", "release", "E-1@2026-11-30", "--reason", "checked"],
  ["temp-bad", "list"],
  ["temp-bad", "set", "E-1", "--reason", "magnet"],
  ["tokens", "list"],
  ["tokens", "add", "ops", "--role", "admin"],
  ["export", "--out", "exported"],
  ["serve", "--port", "0"],
  // Checked before NATS is asked anything (nothing listens on port 1): a worker on a mistyped
  // store took the stream's readings into a new empty one.
  ["worker", "--nats", "nats://127.0.0.1:1", "--exit-when-idle", "1"],
];

async function schemaExists(schema: string): Promise<boolean> {
  const client = adminClient();
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("a store that is not there", () => {
  it.each(COMMANDS)("SQLite: %s %s is MF_ERR_STORE_MISSING and creates nothing", (...command) => {
    const r = meterflow(...command, "--db", "typo.db");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("MF_ERR_STORE_MISSING");
    expect(r.stderr).toContain("meters import");
    expect(existsSync(join(dir, "typo.db"))).toBe(false);
  });

  it.runIf(runPostgresTests).each(COMMANDS)("PostgreSQL: %s %s is MF_ERR_STORE_MISSING and creates no schema", async (...command) => {
    const schema = testSchema();
    const r = meterflow(...command, "--db", `${POSTGRES_URL}?schema=${schema}`);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("MF_ERR_STORE_MISSING");
    expect(r.stderr).toContain(`schema ${schema}`);
    // Both ways a store is made are named: a cluster's store comes from `meters import`.
    expect(r.stderr).toContain("meters import");
    expect(await schemaExists(schema)).toBe(false);
  });
});
