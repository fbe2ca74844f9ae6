// A job whose thread dies in the middle of its run (here a plugin's fact exits the thread, as an
// out-of-memory abort would end it): the job fails with a coded error, and its output directory
// keeps no `.partial` file (the run's own clean-up never ran in the dead thread). Runs from the
// compiled package in dist/ (a job thread starts only from compiled files), built by npm install.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { METERS_HEADER, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dist = (path: string) => pathToFileURL(join(import.meta.dirname, "../../../dist/engine/api/jobs", path)).href;
const { runJob } = (await import(dist("run.js"))) as typeof import("../../../engine/api/jobs/run.js");
const { JobControl } = (await import(dist("control.js"))) as typeof import("../../../engine/api/jobs/control.js");

const dir = tempDir("meterflow-job-thread-");

const PLUGIN = `export default {
  name: "exits-on-666", version: "1.0.0", sdk: "^1.0.0",
  facts: [{
    name: "exit-on-666", description: "ends its thread on a reading of 666", reads: ["value"], writes: ["saw_666"],
    compute(input, output, length) {
      for (let i = 0; i < length; i++) if (input.value[i] === 666) process.exit(9);
    },
  }],
  rules: [{ rules: [{ name: "saw-666", conditions: { all: [{ fact: "saw_666", operator: "equal", value: 1 }] },
    event: { type: "alert", params: { severity: "info", channel: "register", message: "666" } } }] }],
};
`;

describe("a job whose thread dies", () => {
  it("fails with MF_ERR_API_INTERNAL and leaves no .partial output", async () => {
    write(dir, "exits.mjs", [PLUGIN]);
    const config = write(dir, "meterflow.json", [JSON.stringify({ plugins: ["./exits.mjs"] })]);
    const meters = write(dir, "meters.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,6,,,,,,,100,2026-11-01"]);
    const readings = write(dir, "readings.csv", ["meter_id,end,value", "E-1,2026-11-02,110", "E-1,2026-11-03,666"]);
    const out = join(dir, "out");
    const run = { db: join(dir, "state.db"), inputs: [readings], out, meters, config };
    await expect(runJob(run, new JobControl(), { inThread: true })).rejects.toMatchObject({ code: "MF_ERR_API_INTERNAL", message: expect.stringContaining("exited (9)") });
    expect(readdirSync(out).filter((name) => name.endsWith(".partial"))).toEqual([]);
    // The store is not left locked: the next job runs (the failed run's record is a rerun's to adopt).
    const fixed = write(dir, "fixed.csv", ["meter_id,end,value", "E-1,2026-11-02,110", "E-1,2026-11-03,116"]);
    expect(await runJob({ ...run, inputs: [fixed] }, new JobControl(), { inThread: true })).toMatchObject({ in: 2, billable: 2 });
    expect(readdirSync(out).sort()).toEqual(["alerts.csv", "billing.csv", "held.csv", "meters-rejected.csv", "rejected.csv", "summary.json"]);
  });

  it("posts its run's warnings from the thread as they come, then its counts", async () => {
    const meters = write(dir, "w-meters.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,6,,,,,,,100,2026-11-01"]);
    const run = { db: join(dir, "w-state.db"), inputs: [write(dir, "w1.csv", ["meter_id,end,value", "E-1,2026-11-02,110"])], out: join(dir, "w-out"), meters };
    const warnings: string[] = [];
    expect(await runJob(run, new JobControl(), { inThread: true }, (w) => warnings.push(w))).toMatchObject({ in: 1, billable: 1 });
    expect(warnings).toEqual([]);
    // A new baseline after E-1's chain began moves nothing: the run warns, from the job's thread.
    const exchanged = write(dir, "w-exchanged.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,6,,,,,,,0,2026-11-05"]);
    const next = { ...run, meters: exchanged, inputs: [write(dir, "w2.csv", ["meter_id,end,value"])] };
    expect(await runJob(next, new JobControl(), { inThread: true }, (w) => warnings.push(w))).toMatchObject({ in: 0 });
    expect(warnings).toEqual([expect.stringContaining("1 meter whose chain has begun: E-1. ")]);
  });
});
