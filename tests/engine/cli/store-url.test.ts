// A `--db` URL meterflow would misread is refused on every command that takes one, before anything
// is written (MF_ERR_STORE_URL, exit 1): a mistyped query parameter (`?schem=x` wrote a whole run
// into the `public` schema, exit 0) and a URL of another scheme (`mysql://x` was taken for an
// SQLite path). The parameters meterflow passes on to pg still work.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meterflowIn } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";
import { POSTGRES_URL, runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-store-url-");
const meterflow = (...args: string[]) => meterflowIn(dir, ...args);
writeFileSync(join(dir, "meters.csv"), "meter_id,type,unit\nE-1,electricity.register,kWh\n");
writeFileSync(join(dir, "r.csv"), "meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-02,110\n");
const before = readdirSync(dir).sort();

const COMMANDS: string[][] = [
  ["run", "--meters", "meters.csv", "--out", "out", "r.csv"],
  ["meters", "import", "meters.csv"],
  ["export", "--out", "exported"],
  ["held", "list"],
  ["temp-bad", "list"],
  ["tokens", "list"],
  ["serve", "--port", "0"],
  ["worker", "--nats", "nats://127.0.0.1:1", "--exit-when-idle", "1"],
  ["demo", "--dir", "demo-dir", "--meters", "100", "--days", "14"],
];

describe("a --db URL meterflow would misread", () => {
  it.each(COMMANDS)("%s %s: a typo in the query string is MF_ERR_STORE_URL naming the parameter, nothing written", (...command) => {
    const r = meterflow(...command, "--db", `${POSTGRES_URL}?schem=x`);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/unknown parameter "schem" .*did you mean "schema"\?.*\(MF_ERR_STORE_URL\)$/m);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it.each(COMMANDS)("%s %s: another scheme is MF_ERR_STORE_URL, not an SQLite file of that name", (...command) => {
    const r = meterflow(...command, "--db", "mysql://x");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/not mysql:\/\/ \(MF_ERR_STORE_URL\)$/m);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("run: an extra parameter beside schema is refused too", () => {
    const r = meterflow("run", "--out", "out", "--db", `${POSTGRES_URL}?schema=x&foo=1`, "r.csv");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('unknown parameter "foo"');
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it.runIf(runPostgresTests)("run: schema and a TLS parameter pg reads are taken", () => {
    const r = meterflow("run", "--quiet", "--meters", "meters.csv", "--out", "pg-out", "--db", `${testStoreUrl()}&sslmode=disable`, "r.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "pg-out", "summary.json"), "utf8"))).toMatchObject({ billable: 1, held: 1 });
  });
});
