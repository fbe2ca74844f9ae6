// `meterflow worker` when a plugin's derived fact throws: the message goes back to be delivered
// again, and the worker says why in one line with the error's code, whether it decides in its
// main thread or in a pool of decision threads (where the error used to cross back without its
// code: engine/pool/thread-error.ts). A real nats-server, the real PostgreSQL.
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";
import { THROWING_FACT_PLUGIN } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = tempDir("meterflow-worker-errors-");
writeFileSync(join(dir, "boom.mjs"), THROWING_FACT_PLUGIN);
const config = join(dir, "c.json");
writeFileSync(config, JSON.stringify({ plugins: ["./boom.mjs"] }));
writeFileSync(join(dir, "m.csv"), "meter_id,type\nE-1,electricity.register\nP-1,\n");
writeFileSync(join(dir, "t.csv"), "meter_id,end,value,turbidity\nE-1,2026-10-31,100,\nP-1,2026-11-30T06:00:00Z,,5\nP-1,2026-11-30T06:12:00Z,,6\n");

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

/** Starts a worker; resolves with what it printed once it said twice that a message will be delivered again, then ends it. */
function twoRedeliveries(nats: string, db: string, stream: string, threads: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, "worker", "--nats", nats, "--db", db, "--stream", stream, "--config", config, "--threads", threads,
    "--ack-wait", "2", "--exit-when-idle", "30"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  return new Promise<string>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.split("it will be delivered again").length > 2) child.kill("SIGTERM");
    });
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(stderr);
    });
  });
}

describe.runIf(runPostgresTests)("meterflow worker: a plugin's fact that throws", () => {
  const servers: NatsServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it.each(["0", "2"])("says so with the error's code, the message delivered again (--threads %s)", async (threads) => {
    const nats = await startNatsServer();
    servers.push(nats);
    const db = testStoreUrl();
    const stream = `ERR${threads}`;
    const imported = meterflow("meters", "import", "--db", db, "--config", config, "m.csv");
    expect(imported.status, imported.stderr).toBe(0);
    const published = meterflow("publish", "--nats", nats.url, "--stream", stream, "--config", config, "--out", `pub-${threads}`, "t.csv");
    expect(published.status, published.stderr).toBe(0);
    const stderr = await twoRedeliveries(nats.url, db, stream, threads);
    const lines = stderr.split("\n").filter((l) => l.includes("delivered again"));
    expect(lines[0], stderr).toMatch(/^meterflow worker: message \d+ on \S+: \[plugin @test\/boom\] facts:turbidity-class: compute threw: boom at 6 \(first at meter P-1, line \d+\) \(MF_ERR_PLUGIN_FACT\); it will be delivered again in 1 s \(delivery 1\)$/);
    // The same message again, after a pause twice as long.
    expect(lines[1]).toMatch(/; it will be delivered again in 2 s \(delivery 2\)$/);
    expect(lines[1].split(":")[1]).toBe(lines[0].split(":")[1]);
  });

  it("says what a run says about its rules before it starts (here: no rule holds anything)", async () => {
    const nats = await startNatsServer();
    servers.push(nats);
    const db = testStoreUrl();
    expect(meterflow("meters", "import", "--db", db, "m.csv").status).toBe(0);
    writeFileSync(join(dir, "alerts-only.json"), JSON.stringify({ rules: [{ name: "big", conditions: { all: [{ fact: "daily", operator: "greaterThan", value: 1e9 }] },
      event: { type: "alert", params: { severity: "info", channel: "register", message: "big" } } }] }));
    const worker = spawnSync(process.execPath, [BIN, "worker", "--nats", nats.url, "--db", db, "--rules", "alerts-only.json", "--exit-when-idle", "1"],
      { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect(worker.status, worker.stderr).toBe(0);
    expect(worker.stderr).toContain("meterflow: warning: no hold rules: every reading will be billed");
  });
});
