// The table `meterflow run` prints names the files it wrote: billing.ndjson with --format ndjson
// (the input audit: the table said billing.csv, held.csv and rejected.csv beside .ndjson files).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meterflowIn } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";

const root = tempDir("meterflow-run-summary-");

describe("the run's summary table", () => {
  it.each(["csv", "ndjson"])("names the %s files the run wrote, corrections included", (format) => {
    const dir = join(root, format);
    mkdirSync(dir);
    writeFileSync(join(dir, "meters.csv"), "meter_id\nE-1\n");
    writeFileSync(join(dir, "r1.csv"), "meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-03,120\nE-1,bad,1\n");
    writeFileSync(join(dir, "r2.csv"), "meter_id,end,value\nE-1,2026-11-02,110\n");
    expect(meterflowIn(dir, "run", "--meters", "meters.csv", "--db", "s.db", "--out", "o1", "--format", format, "r1.csv").status).toBe(0);
    const r = meterflowIn(dir, "run", "--db", "s.db", "--out", "out", "--format", format, "r2.csv");
    expect(r.status, r.stderr).toBe(0);
    for (const file of ["billing", "held", "rejected"]) {
      expect(r.stdout).toContain(`${file}.${format}`);
      expect(existsSync(join(dir, "out", `${file}.${format}`))).toBe(true);
    }
    expect(r.stdout).toContain(`corrections (back-dated readings): 1, in billing.${format}`);
    expect(r.stdout).not.toContain(format === "csv" ? ".ndjson" : ".csv");
  });
});
