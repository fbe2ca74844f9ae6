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

it("never replaces or removes a file the run reads: an input named like an output in --out is refused up front (audit: --out . deleted billing.csv, the run's own readings)", () => {
  const here = join(dir, "inputs-here");
  mkdirSync(here, { recursive: true });
  const readings = "meter_id,end,value\nE-1,2026-11-01,100\n";
  writeFileSync(join(here, "billing.csv"), readings);
  writeFileSync(join(here, "billing.ndjson"), '{"meter_id":"E-1","end":"2026-11-02","value":110}\n');
  writeFileSync(join(here, "alerts.csv"), "meter_id,type\nE-1,electricity.register\n");
  writeFileSync(join(here, "held.csv"), "meter_id,time,on_ms\nE-1,2026-11-01T00:00:00Z,50\n");
  writeFileSync(join(here, "r.csv"), readings);
  const cases: Array<[string[], string]> = [
    // The other format's file: removed when the outputs are published.
    [["--format", "ndjson", "billing.csv"], "billing.csv"],
    [["billing.ndjson"], "billing.ndjson"],
    // The same format's: replaced by the run's own.
    [["billing.csv"], "billing.csv"],
    [["--meters", "alerts.csv", "r.csv"], "alerts.csv"],
    [["--pulse-events", "held.csv", "--format", "ndjson", "r.csv"], "held.csv"],
  ];
  for (const [args, input] of cases) {
    const r = meterflowIn(here, "run", "--quiet", "--db", "../in.db", "--out", ".", ...args);
    expect(r.status, args.join(" ")).toBe(1);
    expect(r.stderr.trim(), args.join(" ")).toBe(`meterflow: cannot write to .: ${input} is an input of this run, and the run's outputs there would replace `
      + `or remove ${input}: give another --out, or move the file (MF_ERR_OUTPUT_DIR)`);
  }
  expect(readdirSync(here).sort()).toEqual(["alerts.csv", "billing.csv", "billing.ndjson", "held.csv", "r.csv"]);
  expect(readFileSync(join(here, "billing.csv"), "utf8")).toBe(readings);
  // The same files read into another --out: the run goes.
  const ok = meterflowIn(here, "run", "--quiet", "--db", "../in.db", "--out", "../elsewhere", "--format", "ndjson", "billing.csv");
  expect(ok.status, ok.stderr).toBe(0);
});
