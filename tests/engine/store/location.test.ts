// What a `--db` may name (engine/store/location.ts): an SQLite path, or a postgres:// URL whose
// query parameters are ones meterflow uses; anything else is MF_ERR_STORE_URL, naming the
// parameter and the known one nearest it (a typo of `schema` put a whole run into `public`).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkStoreLocation } from "../../../engine/store/location.js";
import { openStore } from "../../../engine/store/open.js";

function refusal(db: string): { code?: string; message: string } {
  try {
    checkStoreLocation(db);
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error(`${db} was not refused`);
}

describe("checkStoreLocation", () => {
  it("takes SQLite paths and PostgreSQL URLs with meterflow's parameters", () => {
    for (const db of ["state.db", "/var/lib/meterflow/state.db", "C:\\state.db", "odd:name.db", "postgres://127.0.0.1:5432/test",
      "postgresql://u:p@db.example:5432/prod?schema=nightly", "postgres://h/db?schema=n&sslmode=verify-full&sslrootcert=/etc/ca.pem",
      "postgres:///test?host=/var/run/postgresql&schema=x"]) {
      expect(() => checkStoreLocation(db), db).not.toThrow();
    }
  });

  it("refuses an unknown query parameter, naming it and the nearest known one", () => {
    const typo = refusal("postgres://127.0.0.1:5432/test?schem=x");
    expect(typo.code).toBe("MF_ERR_STORE_URL");
    expect(typo.message).toContain('unknown parameter "schem"');
    expect(typo.message).toContain('did you mean "schema"?');
    // Other capitals: the name in lower case (an edit distance of 6 was no hint).
    expect(refusal("postgres://127.0.0.1:5432/test?SCHEMA=x").message).toContain('unknown parameter "SCHEMA" in postgres://127.0.0.1:5432/test?SCHEMA=x (did you mean "schema"?)');
    const extra = refusal("postgres://127.0.0.1:5432/test?schema=x&foo=1");
    expect(extra.code).toBe("MF_ERR_STORE_URL");
    expect(extra.message).toContain('unknown parameter "foo"');
    expect(extra.message).not.toContain("did you mean");
    // pg would let it replace the search_path meterflow sets: another schema than the one named.
    expect(refusal("postgres://h/db?schema=x&options=-c%20search_path%3Dpublic").message).toContain('unknown parameter "options"');
  });

  it("refuses a parameter given twice, and keeps a password out of the message", () => {
    expect(refusal("postgres://h/db?schema=a&schema=b").message).toContain('parameter "schema" given twice');
    const secret = refusal("postgres://u:s3cret@h/db?sslmod=require");
    expect(secret.message).toContain('did you mean "sslmode"?');
    expect(secret.message).not.toContain("s3cret");
  });

  it("refuses a URL of another scheme instead of taking it for an SQLite path", () => {
    for (const db of ["mysql://x", "sqlite:///tmp/state.db", "postgre://h/db", "mysql://u:s3cret@h/db"]) {
      const e = refusal(db);
      expect(e.code, db).toBe("MF_ERR_STORE_URL");
      expect(e.message, db).toMatch(/not [a-z]+:\/\//);
      expect(e.message, db).not.toContain("s3cret");
    }
  });

  it("refuses `postgres` and `postgres:/h/db` as a new SQLite file (CLI audit: --db postgres made one), but takes ./postgres and a file that is there", () => {
    const dir = mkdtempSync(join(tmpdir(), "meterflow-location-"));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      for (const db of ["postgres", "PostgreSQL", "postgres:/127.0.0.1/test", "postgresql:test"]) {
        const e = refusal(db);
        expect(e.code, db).toBe("MF_ERR_STORE_URL");
        expect(e.message, db).toContain(`a PostgreSQL store is a URL, postgres://HOST:PORT/DB[?schema=NAME] (as a path it would be a new SQLite file of that name: to mean one, write ./${db})`);
      }
      expect(() => checkStoreLocation("./postgres")).not.toThrow();
      expect(() => checkStoreLocation("postgres.db")).not.toThrow();
      writeFileSync(join(dir, "postgres"), "");
      expect(() => checkStoreLocation("postgres")).not.toThrow();
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is what openStore checks first (no connection tried, no file made)", async () => {
    await expect(openStore("mysql://x")).rejects.toMatchObject({ code: "MF_ERR_STORE_URL" });
    await expect(openStore("postgres://127.0.0.1:1/test?schem=x")).rejects.toMatchObject({ code: "MF_ERR_STORE_URL" });
  });
});
