// The control API as it runs: `meterflow tokens` and `meterflow serve` built and spawned on both
// stores (the token printed once and alone, the store keeping only its hash, a revoked token
// refused by the running server, SIGTERM ending it), and a chunked body over the limit answered
// 413 by a real @hono/node-server listening on a free port; jobs of the built server run in a
// thread of their own (paused, resumed, cancelled through shared memory; a job paused mid-run
// waits in its thread, not ending it, until resumed; SIGTERM cancels a job still waiting).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { request } from "node:http";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { startApiServer } from "../../../engine/api/server.js";
import { openStore } from "../../../engine/store/open.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { newToken } from "../../../engine/api/auth/tokens.js";
import { STORES } from "./fixture.js";

/** The package's bin, the bundled command line: its job threads start from their own bundle (job-thread.mjs). */
const BIN = join(packageRoot(), "dist", "bin", "meterflow.mjs");
const dir = tempDir("meterflow-serve-");
let n = 0;

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function state(db: string): Promise<void> {
  const meters = write(dir, `m-${n++}.csv`, [METERS_HEADER, "E-1,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31"]);
  await runAndRead({ meters, db, inputs: [write(dir, `r-${n++}.csv`, ["meter_id,end,value", "E-1,2026-11-01,1001"])], out: join(dir, `o-${n++}`) });
}

/** A request over a socket; `chunks` are sent with Transfer-Encoding: chunked (no Content-Length). */
function send(url: string, method: string, path: string, headers: Record<string, string>, chunks: string[] = []): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe.each(STORES)("meterflow serve and tokens on $kind", ({ db: newDb }) => {
  it("adds a token printed once and alone, serves with it, refuses it once revoked, stops on SIGTERM", async () => {
    const db = newDb();
    await state(db);
    const added = meterflow("tokens", "add", "ops-anna", "--role", "operator", "--db", db);
    expect(added.status, added.stderr).toBe(0);
    expect(added.stderr).toBe("");
    expect(added.stdout).toMatch(/^mft_[A-Za-z0-9_-]{43}\n$/);
    const token = added.stdout.trim();
    const again = meterflow("tokens", "add", "ops-anna", "--role", "admin", "--db", db);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/MF_ERR_TOKEN_EXISTS/);
    expect(meterflow("tokens", "add", "x", "--role", "root", "--db", db).status).toBe(2);
    const listed = meterflow("tokens", "list", "--json", "--db", db);
    expect(listed.stdout).not.toContain(token);
    expect(JSON.parse(listed.stdout)).toMatchObject({ name: "ops-anna", role: "operator", revoked_at: null });
    const store = await openStore(db);
    try {
      expect((await store.listTokens())[0].hash).toBe(createHash("sha256").update(token).digest("hex"));
    } finally {
      await store.close();
    }

    const server = spawn(process.execPath, [BIN, "serve", "--db", db, "--port", "0"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    server.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: server.stdout }).once("line", resolve);
        server.once("exit", () => reject(new Error(`serve exited: ${stderr}`)));
      });
      const url = /^meterflow serve: listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
      expect(url, line).toBeDefined();
      expect(await send(url!, "GET", "/health", {})).toMatchObject({ status: 200 });
      const auth = { authorization: `Bearer ${token}` };
      const meter = await send(url!, "GET", "/v1/meters/E-1", auth);
      expect(meter.status, meter.body).toBe(200);
      expect(JSON.parse(meter.body)).toMatchObject({ meter_id: "E-1", state: { last_end: "2026-11-01", last_value: 1001 } });
      const revoked = meterflow("tokens", "revoke", "ops-anna", "--db", db);
      expect(revoked).toMatchObject({ status: 0, stdout: "token ops-anna revoked\n" });
      expect(JSON.parse((await send(url!, "GET", "/v1/meters/E-1", auth)).body)).toMatchObject({ code: "MF_ERR_API_UNAUTHORIZED" });
      expect(meterflow("tokens", "revoke", "ops-anna", "--db", db).stderr).toMatch(/MF_ERR_TOKEN_NOT_FOUND/);
    } finally {
      server.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
  });

  it("answers 413 to a chunked body over the limit, and takes one under it", async () => {
    const db = newDb();
    await state(db);
    const { token, hash } = newToken();
    const store = await openStore(db);
    await store.addToken({ name: "ops", role: "operator", hash, createdAt: new Date().toISOString() }).finally(() => store.close());
    const server = await startApiServer({ db, port: 0, maxBodyBytes: 1024 });
    try {
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json", "transfer-encoding": "chunked" };
      const big = [`{"reason": "`, ...Array.from({ length: 8 }, () => "x".repeat(200)), `"}`];
      const refused = await send(server.url, "PUT", "/v1/meters/E-1/temp-bad", headers, big);
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.body)).toMatchObject({ code: "MF_ERR_API_BODY_TOO_LARGE" });
      const ok = await send(server.url, "PUT", "/v1/meters/E-1/temp-bad", headers, [`{"reason": `, `"small"}`]);
      expect(ok.status, ok.body).toBe(200);
      const audit = JSON.parse((await send(server.url, "GET", "/v1/meters/E-1/audit", { authorization: `Bearer ${token}` })).body);
      expect(audit.audit.map((a: { reason: string; by: string }) => [a.reason, a.by])).toEqual([["small", "ops"]]);
    } finally {
      await server.close();
    }
  });

  it("refuses a port another server holds with MF_ERR_LISTEN (one line through the bin), and the store stays usable", async () => {
    const db = newDb();
    await state(db);
    const first = await startApiServer({ db, port: 0 });
    try {
      await expect(startApiServer({ db, port: first.port })).rejects.toMatchObject({
        code: "MF_ERR_LISTEN", message: expect.stringContaining(`cannot listen on 127.0.0.1:${first.port}: the address is already in use`),
      });
      const cli = meterflow("serve", "--db", db, "--port", String(first.port));
      expect(cli.status).toBe(1);
      expect(cli.stderr.trim()).toBe(`meterflow: cannot listen on 127.0.0.1:${first.port}: the address is already in use (another server holds the port: stop it, or pick another with --port) (MF_ERR_LISTEN)`);
      // The first server still answers.
      expect((await send(first.url, "GET", "/health", {})).status).toBe(200);
    } finally {
      await first.close();
    }
  });

  it("runs jobs in a thread of its own: progress, pause, resume, cancel; SIGTERM cancels a job still paused", async () => {
    const db = newDb();
    await state(db);
    const data = join(dir, `data-${n++}`);
    mkdirSync(data);
    writeFileSync(join(data, "n2.csv"), "meter_id,end,value\nE-1,2026-11-10,1010\n");
    writeFileSync(join(data, "n3.csv"), "meter_id,end,value\nE-1,2026-11-20,1020\nE-1,2026-11-21,1021\nE-1,2026-11-22,1022\n");
    const served = await serveWithJobs(db, data);
    const { call, ended } = served;
    try {
      const first = await call("POST", "/v1/jobs", { inputs: ["n2.csv"], out: "o2", paused: true });
      expect(first.status, JSON.stringify(first.data)).toBe(202);
      expect(first.data.status).toBe("paused");
      expect((await call("POST", `/v1/jobs/${first.data.id}/resume`)).data.status).toBe("queued");
      expect(await ended(first.data.id)).toMatchObject({ status: "finished", processed: 1, counts: { in: 1, billable: 1 }, error: null });
      expect((await call("GET", "/v1/meters/E-1")).data.state).toMatchObject({ last_value: 1010 });

      // Paused at its first checkpoint at the latest (one reading a batch): it stays there until cancelled.
      const second = await call("POST", "/v1/jobs", { inputs: ["n3.csv"], out: "o3", batch_size: 1 });
      expect((await call("POST", `/v1/jobs/${second.data.id}/pause`)).data.status).toBe("paused");
      const paused = (await call("GET", `/v1/jobs/${second.data.id}`)).data;
      expect(paused).toMatchObject({ status: "paused" });
      expect(paused.processed).toBeLessThan(3);
      expect((await call("POST", `/v1/jobs/${second.data.id}/cancel`)).status).toBe(200);
      const cancelled = await ended(second.data.id);
      expect(cancelled).toMatchObject({ status: "cancelled", counts: null });
      expect(cancelled.processed).toBeLessThan(3);
      expect((await call("GET", "/v1/meters/E-1")).data.state.last_value).toBeLessThan(1022);

      expect((await call("POST", "/v1/jobs", { inputs: ["n3.csv"], out: "o4", paused: true })).data.status).toBe("paused");
    } finally {
      served.server.kill("SIGTERM");
    }
    expect(await served.exited).toBe(0);
    expect(served.stderr()).toBe("");
  });

  it("keeps a job paused mid-run in its thread (the thread waits, it does not end), then resumes it to its complete outputs", async () => {
    const db = newDb();
    await state(db);
    const data = join(dir, `data-${n++}`);
    mkdirSync(data);
    // 100 meters x 100 days: 500 batches of 20, so the job is still running when it is paused.
    const ids = Array.from({ length: 100 }, (_, i) => `P-${i}`);
    writeFileSync(join(data, "m.csv"), `${[METERS_HEADER, ...ids.map((id) => `${id},electricity.register,kWh,1,,,,,,,,,1000,2026-06-30`)].join("\n")}\n`);
    const day = (d: number) => new Date(Date.UTC(2026, 6, 1 + d)).toISOString().slice(0, 10);
    const rows = Array.from({ length: 100 }, (_, d) => ids.map((id) => `${id},${day(d)},${1001 + d}`)).flat();
    writeFileSync(join(data, "r.csv"), `meter_id,end,value\n${rows.join("\n")}\n`);
    const served = await serveWithJobs(db, data);
    const { call, ended } = served;
    try {
      const job = (await call("POST", "/v1/jobs", { inputs: ["r.csv"], out: "out", meters: "m.csv", batch_size: 20 })).data;
      while ((await call("GET", `/v1/jobs/${job.id}`)).data.processed === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect((await call("POST", `/v1/jobs/${job.id}/pause`)).data.status).toBe("paused");
      // Its thread has nothing left to do but wait for the resume: it must not end meanwhile
      // (it did, at once: "the job's thread exited (13) without an answer").
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const paused = (await call("GET", `/v1/jobs/${job.id}`)).data;
        expect(paused, JSON.stringify(paused)).toMatchObject({ status: "paused", error: null });
        expect(paused.processed).toBeLessThan(10_000);
      }
      expect((await call("POST", `/v1/jobs/${job.id}/resume`)).data.status).toBe("running");
      expect(await ended(job.id)).toMatchObject({ status: "finished", processed: 10_000, counts: { in: 10_000, billable: 10_000, rejected: 0 }, error: null });
      expect(readdirSync(join(data, "out")).filter((f) => f.endsWith(".partial"))).toEqual([]);
      expect(readFileSync(join(data, "out", "billing.csv"), "utf8").trim().split("\n")).toHaveLength(1 + 10_000);
    } finally {
      served.server.kill("SIGTERM");
    }
    expect(await served.exited).toBe(0);
    expect(served.stderr()).toBe("");
  });
});

/** The built `meterflow serve --data-dir` with an admin token: JSON calls, and a job followed until it ends. */
async function serveWithJobs(db: string, data: string) {
  const { token, hash } = newToken();
  const store = await openStore(db);
  await store.addToken({ name: "admin-ada", role: "admin", hash, createdAt: new Date().toISOString() }).finally(() => store.close());
  const server = spawn(process.execPath, [BIN, "serve", "--db", db, "--port", "0", "--data-dir", data], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout }).once("line", (line) => resolve(line.replace(/^.* listening on /, "")));
    server.once("exit", () => reject(new Error(`serve exited: ${stderr}`)));
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await send(url, method, path, auth, body === undefined ? [] : [JSON.stringify(body)]);
    return { status: r.status, data: JSON.parse(r.body) as Record<string, any> };
  };
  const ended = async (id: string) => {
    for (;;) {
      const job = (await call("GET", `/v1/jobs/${id}`)).data;
      if (["finished", "failed", "cancelled"].includes(job.status)) return job;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { server, exited, stderr: () => stderr, call, ended };
}
