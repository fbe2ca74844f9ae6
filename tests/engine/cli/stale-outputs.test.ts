// A run's --out holds that run's outputs only: `run --format ndjson` into a directory a CSV run
// wrote left the old billing.csv, held.csv, ... beside the new .ndjson files, and a job picking
// up billing.csv billed stale rows. The other format's row files go when the run's outputs are
// published; a run that fails leaves the directory's finished files as they were.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { meterflowIn } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-stale-outputs-");
const meterflow = (...args: string[]) => meterflowIn(dir, ...args);
writeFileSync(join(dir, "night1.csv"), "meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-02,110\n");
writeFileSync(join(dir, "night2.csv"), "meter_id,end,value\nE-1,2026-11-03,125\n");
writeFileSync(join(dir, "night3.csv"), "meter_id,end,value\nE-1,2026-11-04,130\n");
const ROWS = ["alerts", "billing", "held", "rejected"];
const files = (ext: string) => [...ROWS.map((kind) => `${kind}.${ext}`), "summary.json"].sort();

it("a run in one format removes the row files of the other an earlier run left in its --out", () => {
  const csv = meterflow("run", "--quiet", "--db", "s.db", "--out", "out", "night1.csv");
  expect(csv.status, csv.stderr).toBe(0);
  expect(readdirSync(join(dir, "out")).sort()).toEqual(files("csv"));

  const ndjson = meterflow("run", "--quiet", "--db", "s.db", "--out", "out", "--format", "ndjson", "night2.csv");
  expect(ndjson.status, ndjson.stderr).toBe(0);
  expect(readdirSync(join(dir, "out")).sort()).toEqual(files("ndjson"));
  // This run's rows (held: E-1 is not registered), not the first run's.
  expect(readFileSync(join(dir, "out", "held.ndjson"), "utf8")).toContain('"E-1@2026-11-03"');
  expect(readFileSync(join(dir, "out", "held.ndjson"), "utf8")).not.toContain('"E-1@2026-11-01"');

  // A run refused before it starts (a directory where the other format's file goes: it could
  // not be removed) leaves the directory as it was.
  mkdirSync(join(dir, "out2", "billing.ndjson"), { recursive: true });
  const refused = meterflow("run", "--quiet", "--db", "s.db", "--out", "out2", "night3.csv");
  expect(refused.status).toBe(1);
  expect(refused.stderr.trim()).toBe("meterflow: cannot write to out2: billing.ndjson is a directory (MF_ERR_OUTPUT_DIR)");
  expect(readdirSync(join(dir, "out2"))).toEqual(["billing.ndjson"]);

  const back = meterflow("run", "--quiet", "--db", "s.db", "--out", "out", "night3.csv");
  expect(back.status, back.stderr).toBe(0);
  expect(readdirSync(join(dir, "out")).sort()).toEqual(files("csv"));
});
