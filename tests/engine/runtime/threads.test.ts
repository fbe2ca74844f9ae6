// The threaded run (the compiled command: an ingest worker, the pipeline, a writer thread)
// produces exactly what the single-threaded run of the sources produces, on the demo data set
// with every kind of row in it. Also: an output directory that cannot be written stops the run
// with one line.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { runAndRead } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const sorted = (path: string) => readFileSync(path, "utf8").trim().split("\n").sort();

describe("threads", () => {
  it("give the same outputs as one thread", async () => {
    const data = await generateDemoData({ dir: join(dir, "data"), meters: 300, days: 30 });
    // Every input of the demo: registers, pulse summaries, pulse events, sensor rows with a profile.
    // The register readings come in two files, the later days first: the earlier days then
    // arrive back-dated (a file's own rows are routed and decided in date order per meter).
    const [header, ...rows] = readFileSync(data.files.readings, "utf8").trimEnd().split("\n");
    const half = rows.length >> 1;
    const later = join(dir, "later.csv");
    const earlier = join(dir, "earlier.csv");
    writeFileSync(later, [header, ...rows.slice(half)].join("\n") + "\n");
    writeFileSync(earlier, [header, ...rows.slice(0, half)].join("\n") + "\n");
    const inputs = [later, earlier, data.files.pulseReadings, data.files.coldChain];
    const inline = await runAndRead({
      meters: data.files.meters, inputs, pulseEvents: [data.files.pulseEvents], config: data.files.config,
      db: join(dir, "inline.db"), out: join(dir, "inline"), batchSize: 2000,
    });
    const threaded = spawnSync(process.execPath, [BIN, "run", "--quiet", "--threads", "2", "--batch-size", "2000", "--meters", data.files.meters,
      "--config", data.files.config, "--pulse-events", data.files.pulseEvents,
      "--db", join(dir, "threaded.db"), "--out", join(dir, "threaded"), ...inputs], { encoding: "utf8" });
    expect(threaded.status, threaded.stderr).toBe(0);
    for (const file of ["billing.csv", "held.csv", "rejected.csv", "alerts.csv"]) {
      expect(sorted(join(dir, "threaded", file)), file).toEqual(sorted(join(dir, "inline", file)));
    }
    const summary = JSON.parse(readFileSync(join(dir, "threaded", "summary.json"), "utf8"));
    for (const key of ["in", "billable", "held", "rejected", "duplicates", "sensor", "corrections", "alerts"]) {
      expect(summary[key], key).toBe(inline.summary[key as keyof typeof inline.summary]);
    }
    expect(inline.summary.corrections).toBeGreaterThan(0);
    expect(inline.summary.rejected).toBeGreaterThanOrEqual(12);
    expect(inline.summary.sensor).toBeGreaterThan(0);
    expect(inline.summary.alerts).toBeGreaterThan(0);
    expect(Object.keys(inline.summary.pulse_faults).length).toBeGreaterThan(0);
  });

  it("stop with one line when the output directory cannot be written", () => {
    const notADir = join(dir, "file");
    writeFileSync(notADir, "x");
    const r = spawnSync(process.execPath, [BIN, "run", "--db", join(dir, "x.db"), "--out", join(notADir, "out"), "--input-format", "csv", notADir], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^meterflow: cannot write to /);
  });
});
