// `meterflow demo --db`: the demo runs into the store it is given, SQLite file or PostgreSQL
// schema, as it is (not made afresh): a second demo into it finds every reading a duplicate.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunSummary } from "../../../engine/runtime/run.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir();

type Summary = Pick<RunSummary, "in" | "billable" | "held" | "rejected" | "duplicates" | "sensor">;

function demo(dir: string, db: string): { summary: Summary; stdout: string } {
  const r = spawnSync(process.execPath, [BIN, "demo", "--dir", dir, "--meters", "150", "--days", "20", "--db", db], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return { summary: JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8")) as Summary, stdout: r.stdout };
}

const stores: Array<[string, () => string]> = [["an SQLite file", () => join(mkdtempSync(join(root, "db-")), "kept.db")]];
if (runPostgresTests) stores.push(["a PostgreSQL schema", testStoreUrl]);

describe.each(stores)("meterflow demo --db on %s", (_kind, storeOf) => {
  it("runs into that store, and a second demo finds every reading a duplicate", () => {
    const db = storeOf();
    const dir = mkdtempSync(join(root, "case-"));
    const first = demo(dir, db);
    expect(first.summary.billable).toBeGreaterThan(0);
    expect(first.summary.in).toBe(first.summary.billable + first.summary.held + first.summary.rejected + first.summary.duplicates + first.summary.sensor);
    // Nothing went to the default state file; the rerun hint names the store.
    expect(existsSync(join(dir, "state.db"))).toBe(false);
    // Quoted where the shell would read it otherwise (a URL's `?`): a person copies the line.
    expect(first.stdout).toContain(`run --db ${db.includes("?") ? `'${db}'` : db} `);

    const second = demo(dir, db);
    expect(second.summary.in).toBe(first.summary.in);
    expect(second.summary.billable).toBe(0);
    expect(second.summary.held).toBe(0);
    expect(second.summary.rejected).toBe(first.summary.rejected);
    // The committed batches come back whole: sensor rows and the first run's duplicates with them.
    expect(second.summary.sensor).toBe(0);
    expect(second.summary.duplicates).toBe(first.summary.in - first.summary.rejected);
  });
});

it("refuses an empty --db with exit status 2", () => {
  const r = spawnSync(process.execPath, [BIN, "demo", "--dir", mkdtempSync(join(root, "case-")), "--db", ""], { encoding: "utf8" });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--db needs an SQLite file or a postgres:\/\/ URL/);
});
