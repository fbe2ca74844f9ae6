// Jobs through the control API on both stores: a run over files under the data directory,
// followed to its counts and outputs; paths that leave the directory refused before anything
// runs; a job created paused, resumed, and one cancelled between batches.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { METERS_HEADER } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { JOB_BATCH_SIZE, jobBatchSize } from "../../../engine/api/jobs/index.js";
import { apiFixture, STORES } from "./fixture.js";
import type { ApiFixture } from "./fixture.js";

const base = tempDir("meterflow-jobs-");
let n = 0;

function dataDir(): string {
  const dir = join(base, `data-${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "n1.csv"), "meter_id,end,value\nE-1,2026-11-01,1001\nE-2,2026-11-01,1002\nE-3,2026-11-01,1003\n");
  return dir;
}

describe.each(STORES)("control API jobs on $kind", ({ db, kind }) => {
  let f: ApiFixture;
  afterEach(async () => {
    expect(f.logged).toEqual([]);
    await f?.close();
  });

  it("runs a job over files under the data directory: progress, counts, outputs", async () => {
    const dir = dataDir();
    f = await apiFixture(db, { dataDir: dir });
    const res = await f.request("POST", "/v1/jobs", { json: { inputs: ["n1.csv"], out: "out1" }, token: f.tokens.admin });
    expect(res.status, JSON.stringify(res.data)).toBe(202);
    expect(res.data).toMatchObject({ id: "job-1", by: "admin-anna", inputs: ["n1.csv"], out: "out1" });
    expect(res.headers.get("location")).toBe("/v1/jobs/job-1");
    await f.app.jobs.idle();
    const job = await f.request("GET", "/v1/jobs/job-1", { token: f.tokens.viewer });
    expect(job.data).toMatchObject({ status: "finished", processed: 3, counts: { in: 3, billable: 3, held: 0, rejected: 0, duplicates: 0 }, error: null });
    expect(job.data.rate).toBeGreaterThan(0);
    expect(job.data.bytes_read).toBe(job.data.bytes);
    expect(readFileSync(join(dir, "out1", "billing.csv"), "utf8").split("\n").filter((l) => l.startsWith("E-"))).toHaveLength(3);
    expect((await f.request("GET", "/v1/meters/E-2")).data.state).toMatchObject({ last_value: 1002 });
    expect(await f.request("POST", "/v1/jobs/job-1/pause", { token: f.tokens.admin })).toMatchObject({ status: 409, data: { code: "MF_ERR_API_JOB_ENDED" } });
    expect(await f.request("GET", "/v1/jobs/job-9", { token: f.tokens.viewer })).toMatchObject({ status: 404 });
  });

  // A job's run warned into nothing (onWarning dropped them): a registry that gives a meter a
  // new baseline after its chain began, which moves nothing, said so only in summary.json.
  it("keeps what its run warns about in the job's warnings, as meterflow run prints them on stderr", async () => {
    const dir = dataDir();
    f = await apiFixture(db, { dataDir: dir });
    await f.request("POST", "/v1/jobs", { json: { inputs: ["n1.csv"], out: "o1" }, token: f.tokens.admin });
    await f.app.jobs.idle();
    expect((await f.request("GET", "/v1/jobs/job-1")).data).toMatchObject({ status: "finished", warnings: [] });
    // E-1's device exchanged: the registry gives it a new start after its chain began.
    writeFileSync(join(dir, "exchanged.csv"), `${METERS_HEADER}\nE-1,electricity.register,kWh,1,,,,,,,,,0,2026-11-05\n`);
    writeFileSync(join(dir, "n2.csv"), "meter_id,end,value\nE-2,2026-11-06,1010\n");
    await f.request("POST", "/v1/jobs", { json: { inputs: ["n2.csv"], out: "o2", meters: "exchanged.csv" }, token: f.tokens.admin });
    await f.app.jobs.idle();
    const job = (await f.request("GET", "/v1/jobs/job-2")).data;
    expect(job).toMatchObject({ status: "finished", counts: { in: 1, billable: 1 } });
    expect(job.warnings).toEqual([expect.stringMatching(/^the registry gives a new baseline .* to 1 meter whose chain has begun: E-1\. .*\[MF_WARN_REGISTRY_BASELINE_IGNORED\]$/)]);
  });

  it("decides a job in batches of its store's JOB_BATCH_SIZE readings unless its request says batch_size", async () => {
    const dir = dataDir();
    // SQLite's jobs commit smaller batches (an operator's write waits for the commit in progress).
    const size = kind === "postgres" ? JOB_BATCH_SIZE.postgres : JOB_BATCH_SIZE.sqlite;
    expect(jobBatchSize(kind === "postgres" ? "postgres://127.0.0.1:5432/test" : "state.db")).toBe(size);
    // One meter's readings, day after day: one partition, so the batch size alone cuts them.
    const rows = size + 1000;
    const day = (i: number) => new Date(Date.UTC(1970, 0, 1 + i)).toISOString().slice(0, 10);
    writeFileSync(join(dir, "long.csv"), `meter_id,end,value\n${Array.from({ length: rows }, (_, i) => `L-1,${day(i)},${i}`).join("\n")}\n`);
    f = await apiFixture(db, { dataDir: dir });
    const admin = { token: f.tokens.admin };
    const job = await f.request("POST", "/v1/jobs", { json: { inputs: ["long.csv"], out: "o1" }, ...admin });
    expect(job.data.batch_size).toBe(size);
    await f.app.jobs.idle();
    expect((await f.request("GET", `/v1/jobs/${job.data.id}`)).data).toMatchObject({ status: "finished", batch_size: size, counts: { in: rows } });
    const sizes = (await f.store.listBatches({ limit: 100 })).map((b) => b.counts.rows);
    expect(sizes).toEqual([size, 1000]);

    const big = await f.request("POST", "/v1/jobs", { json: { inputs: ["long.csv"], out: "o2", batch_size: 65_536 }, ...admin });
    expect(big.data.batch_size).toBe(65_536);
    await f.app.jobs.idle();
    // The same readings again, in one batch: every one an exact duplicate.
    const after = (await f.store.listBatches({ limit: 100 })).map((b) => b.counts);
    expect(after.slice(2)).toMatchObject([{ rows, duplicates: rows }]);
  });

  it("refuses paths that leave the data directory, other roles, unknown fields, and jobs without a data directory", async () => {
    const dir = dataDir();
    const outside = join(base, `outside-${n++}.csv`);
    writeFileSync(outside, "meter_id,end,value\nE-1,2026-11-01,1001\n");
    symlinkSync(outside, join(dir, "link.csv"));
    symlinkSync(base, join(dir, "up"));
    f = await apiFixture(db, { dataDir: dir });
    const post = (json: unknown, token = f.tokens.admin) => f.request("POST", "/v1/jobs", { json, token });
    for (const body of [{ inputs: ["../x.csv"], out: "o" }, { inputs: [outside], out: "o" }, { inputs: ["link.csv"], out: "o" },
      { inputs: ["n1.csv"], out: "../o" }, { inputs: ["n1.csv"], out: "/tmp/o" }, { inputs: ["n1.csv"], out: "up/o" }, { inputs: ["n1.csv"], out: "o", meters: "../../etc/passwd" }]) {
      expect(await post(body), JSON.stringify(body)).toMatchObject({ status: 400, data: { code: "MF_ERR_API_PATH_OUTSIDE" } });
    }
    expect(await post({ inputs: ["missing.csv"], out: "o" })).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    expect(await post({ inputs: ["n1.csv"], out: "o", threads: 4 })).toMatchObject({ status: 400 });
    expect(await post({ inputs: ["n1.csv"], out: "o" }, f.tokens.operator)).toMatchObject({ status: 403 });
    await f.app.jobs.idle();
    expect(await f.store.batchTotals()).toMatchObject({ batches: 0 });
    await f.close();
    f = await apiFixture(db);
    expect(await f.request("POST", "/v1/jobs", { json: { inputs: ["n1.csv"], out: "o" }, token: f.tokens.admin })).toMatchObject({ status: 400 });
  });

  it("starts a job paused and resumes it; pauses one between batches and cancels it, its committed batches kept", async () => {
    const dir = dataDir();
    f = await apiFixture(db, { dataDir: dir });
    const admin = { token: f.tokens.admin };
    const paused = await f.request("POST", "/v1/jobs", { json: { inputs: ["n1.csv"], out: "o1", paused: true }, ...admin });
    expect(paused.data).toMatchObject({ status: "paused", processed: 0 });
    expect((await f.request("GET", `/v1/jobs/${paused.data.id}`)).data).toMatchObject({ status: "paused", started_at: null });
    expect((await f.request("POST", `/v1/jobs/${paused.data.id}/resume`, admin)).data.status).toMatch(/queued|running/);
    await f.app.jobs.idle();
    expect((await f.request("GET", `/v1/jobs/${paused.data.id}`)).data).toMatchObject({ status: "finished", counts: { billable: 3 } });

    writeFileSync(join(dir, "n2.csv"), "meter_id,end,value\nE-1,2026-11-10,1010\nE-2,2026-11-10,1020\nE-3,2026-11-10,1030\n");
    const job = await f.request("POST", "/v1/jobs", { json: { inputs: ["n2.csv"], out: "o2", batch_size: 1 }, ...admin });
    expect((await f.request("POST", `/v1/jobs/${job.data.id}/pause`, admin)).data.status).toBe("paused");
    // Paused before its first batch ended or at it: it stays paused, short of the end.
    const held = await f.request("GET", `/v1/jobs/${job.data.id}`);
    expect(held.data.status).toBe("paused");
    expect(held.data.processed).toBeLessThan(3);
    const cancelled = await f.request("POST", `/v1/jobs/${job.data.id}/cancel`, admin);
    expect(cancelled.status).toBe(200);
    await f.app.jobs.idle();
    const after = (await f.request("GET", `/v1/jobs/${job.data.id}`)).data;
    expect(after).toMatchObject({ status: "cancelled", counts: null });
    const totals = await f.store.batchTotals();
    expect(totals.rows - 3).toBe(after.processed);
    expect(await f.request("POST", `/v1/jobs/${job.data.id}/resume`, admin)).toMatchObject({ status: 409 });
  });
});
