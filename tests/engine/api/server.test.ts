// The control API as it runs: `meterflow tokens` and `meterflow serve` built and spawned on both
// stores (the token printed once and alone, the store keeping only its hash, a revoked token
// refused by the running server, SIGTERM ending it), and a chunked body over the limit answered
// 413 by a real @hono/node-server listening on a free port.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { request } from "node:http";
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

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
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
});
