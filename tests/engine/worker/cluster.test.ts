// A cluster as a utility runs one (issue 15): a real nats-server (started here on a free port,
// stopped by its pid), the real PostgreSQL, `meterflow publish`, two or more `meterflow worker`
// processes, then `meterflow export`. What the cluster billed, held and alerted equals what
// `meterflow run` does on the same input; workers SIGKILLed between commit and acknowledgement,
// a nats-server killed and restarted mid-stream, and the same files published twice lose nothing
// and bill nothing twice.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import { HEADERS } from "../../../engine/sinks/index.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";
import { tempDir } from "../../helpers/tmp.js";
import { adminClient, runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = tempDir("meterflow-cluster-");
const data = await generateDemoData({ dir: join(dir, "data"), meters: 150, days: 20 });
const READINGS = [data.files.readings, data.files.pulseReadings, data.files.coldChain];
// The demo's pulse events in two files, the later day first: run and cluster decide both files' days together.
const EVENTS = ((): string[] => {
  const [header, ...events] = readFileSync(data.files.pulseEvents, "utf8").split("\n").filter((l) => l !== "");
  const days = [...new Set(events.map((l) => l.split(",")[1].slice(0, 10)))].sort();
  const late = days.at(-1)!;
  const write = (name: string, keep: (l: string) => boolean) => {
    const path = join(dir, name);
    writeFileSync(path, `${[header, ...events.filter(keep)].join("\n")}\n`);
    return path;
  };
  return ["--pulse-events", write("events-late.csv", (l) => l.split(",")[1].startsWith(late)), "--pulse-events", write("events-early.csv", (l) => !l.split(",")[1].startsWith(late))];
})();

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts a worker process (deciding in its main thread, the default, or in a pool of `threads`);
 * resolves with its exit (status or signal) and output.
 */
function startWorker(nats: string, db: string, stream: string, env: Record<string, string> = {}, idle = 4, format: Format = "ndjson", threads?: number, ackWait = 2) {
  const child = spawn(process.execPath, [BIN, "worker", "--nats", nats, "--db", db, "--stream", stream, "--config", data.files.config,
    "--exit-when-idle", String(idle), "--ack-wait", String(ackWait), "--format", format, ...(threads === undefined ? [] : ["--threads", String(threads)])],
  { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve) => child.stderr.on("data", () => stderr.includes("waiting for readings") && resolve()));
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.once("exit", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { child, exited, ready };
}

type Format = "ndjson" | "csv";

/** The batches of the readings stream not yet decided: pending or awaiting acknowledgement, over every partition's consumer. */
async function backlog(url: string, stream: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    let n = 0;
    for await (const c of jsm.consumers.list(stream)) n += c.num_pending + c.num_ack_pending;
    return n;
  } finally {
    await nc.close();
  }
}

/** Runs `sql` (with `%s` the store's schema, quoted) as the test database's owner. */
async function admin(db: string, sql: string): Promise<void> {
  const client = adminClient();
  await client.connect();
  try {
    await client.query(sql.replaceAll("%s", `"${new URL(db).searchParams.get("schema")!}"`));
  } finally {
    await client.end();
  }
}
const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
const rows = (path: string) => lines(path).slice(1).sort();
const json = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, number>;

/** What `meterflow run` does with the same input (the reference every cluster is compared with). */
let reference: { billing: string[]; held: string[]; alerts: string[]; summary: Record<string, number> };
/** Its billing, held and alert rows in each format, sorted: what the output subjects must carry. */
const referenceLines = {} as Record<Format, Record<"billing" | "held" | "alerts", string[]>>;

/**
 * Every row the workers published on the outputs stream, per subject, sorted; each message's
 * format checked against its headers, and no message id twice.
 */
async function publishedRows(url: string, stream: string, format: Format) {
  const nc = await connect({ servers: url });
  const out: Record<string, string[]> = { "meterflow.billing": [], "meterflow.held": [], "meterflow.alerts": [], "meterflow.rejected": [] };
  const ids = new Set<string>();
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(`${stream}_OUT`);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(`${stream}_OUT`, { seq });
      if (m === null) continue;
      const id = m.header.get("Nats-Msg-Id");
      expect(ids.has(id), id).toBe(false);
      ids.add(id);
      expect(id.startsWith(`${m.header.get("Meterflow-Batch")}.${m.subject.slice("meterflow.".length)}.`)).toBe(true);
      expect(m.header.get("Content-Type")).toBe(format === "csv" ? "text/csv" : "application/x-ndjson");
      if (format === "csv") expect(m.header.get("Meterflow-Columns")).toBe(HEADERS[m.subject.slice("meterflow.".length) as keyof typeof HEADERS]);
      out[m.subject].push(...new TextDecoder().decode(m.data).split("\n").filter((l) => l !== ""));
    }
  } finally {
    await nc.close();
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

describe.runIf(runPostgresTests)("a cluster: publish, workers, export", () => {
  // A server per test: one server has one readings stream (its subjects are fixed).
  let nats: NatsServer;
  const servers: NatsServer[] = [];

  beforeAll(async () => {
    const out = join(dir, "run");
    const r = meterflow("run", "--quiet", "--meters", data.files.meters, "--config", data.files.config, ...EVENTS,
      "--db", join(dir, "reference.db"), "--out", out, ...READINGS);
    expect(r.status, r.stderr).toBe(0);
    reference = { billing: rows(join(out, "billing.csv")), held: rows(join(out, "held.csv")), alerts: rows(join(out, "alerts.csv")), summary: json(join(out, "summary.json")) };
    expect(reference.summary.alerts).toBeGreaterThan(0);
    referenceLines.csv = { billing: reference.billing, held: reference.held, alerts: reference.alerts };
    const ndjson = join(dir, "run-ndjson");
    const again = meterflow("run", "--quiet", "--meters", data.files.meters, "--config", data.files.config, ...EVENTS,
      "--db", join(dir, "reference-ndjson.db"), "--out", ndjson, "--format", "ndjson", ...READINGS);
    expect(again.status, again.stderr).toBe(0);
    const sorted = (kind: string) => lines(join(ndjson, `${kind}.ndjson`)).sort();
    referenceLines.ndjson = { billing: sorted("billing"), held: sorted("held"), alerts: sorted("alerts") };
  });

  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  /** A fresh nats-server, store and stream; the registry imported; the readings published. */
  async function prepare(name: string) {
    nats = await startNatsServer();
    servers.push(nats);
    const db = testStoreUrl();
    const imported = meterflow("meters", "import", "--db", db, "--config", data.files.config, data.files.meters);
    expect(imported.status, imported.stderr).toBe(0);
    const out = join(dir, `${name}-publish`);
    const published = meterflow("publish", "--nats", nats.url, "--stream", name, "--config", data.files.config, "--out", out,
      ...EVENTS, ...READINGS);
    expect(published.status, published.stderr).toBe(0);
    return { db, publishOut: out };
  }

  /**
   * Exports the store and checks it, and the rows published on the outputs stream, against the
   * reference run: nothing lost, nothing twice.
   */
  async function expectLikeTheRun(name: string, db: string, publishOut: string, format: Format = "ndjson") {
    const published = await publishedRows(nats.url, name, format);
    expect(published["meterflow.billing"]).toEqual(referenceLines[format].billing);
    expect(published["meterflow.held"]).toEqual(referenceLines[format].held);
    expect(published["meterflow.alerts"]).toEqual(referenceLines[format].alerts);
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
    const { db, publishOut } = await prepare("TWO");
    // Outputs as CSV rows (--format csv); the other clusters publish NDJSON, the default. One
    // worker decides in its main thread, the other in a pool of two threads.
    const workers = [startWorker(nats.url, db, "TWO", {}, 4, "csv"), startWorker(nats.url, db, "TWO", {}, 4, "csv", 2)];
    const results = await Promise.all(workers.map((w) => w.exited));
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    await expectLikeTheRun("TWO", db, publishOut, "csv");
  }, 180_000);

  it("loses nothing and bills nothing twice when workers are SIGKILLed between commit and acknowledgement, repeatedly", async () => {
    const { db, publishOut } = await prepare("KILLED");
    // The steady worker decides in a pool of two threads; those that die, in their main thread.
    const steady = startWorker(nats.url, db, "KILLED", {}, 8, "ndjson", 2);
    // One worker dies after its 1st commit, a new one after its 2nd, another after its 3rd: each
    // leaves a committed, unpublished, unacknowledged batch for the others to find again.
    for (const after of [1, 2, 3]) {
      const doomed = await startWorker(nats.url, db, "KILLED", { MF_FAILPOINT_KILL_AFTER_COMMITS: String(after) }).exited;
      // It either died at its failpoint, or found nothing left to commit and went idle.
      expect(doomed.signal === "SIGKILL" || doomed.status === 0, doomed.stderr).toBe(true);
    }
    // And one killed from outside, wherever it is.
    const outside = startWorker(nats.url, db, "KILLED");
    await new Promise((r) => setTimeout(r, 1500));
    outside.child.kill("SIGKILL");
    await outside.exited;
    const last = await steady.exited;
    expect(last.status, last.stderr).toBe(0);
    // Whatever the killed workers left in flight, a last worker finishes.
    expect((await startWorker(nats.url, db, "KILLED").exited).status).toBe(0);
    await expectLikeTheRun("KILLED", db, publishOut);
  }, 240_000);

  it("loses nothing and bills nothing twice when nats-server is killed and restarted mid-stream", async () => {
    const { db, publishOut } = await prepare("RESTART");
    const workers = [startWorker(nats.url, db, "RESTART", {}, 10), startWorker(nats.url, db, "RESTART", {}, 10)];
    // Both connected and taking batches, then the server dies under them.
    await Promise.all(workers.map((w) => w.ready));
    await new Promise((r) => setTimeout(r, 300));
    await nats.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 1000));
    await nats.restart();
    for (const r of await Promise.all(workers.map((w) => w.exited))) expect(r.status, r.stderr).toBe(0);
    // A server that lost track of acknowledgements in the crash may deliver some batches again: a last worker takes them.
    expect((await startWorker(nats.url, db, "RESTART").exited).status).toBe(0);
    await expectLikeTheRun("RESTART", db, publishOut);
  }, 240_000);

  it("survives its PostgreSQL connections being cut while it works (a fast restart): the batches are tried again, nothing lost or twice", async () => {
    const { db, publishOut } = await prepare("PGCUT");
    const schema = new URL(db).searchParams.get("schema")!;
    const workers = [startWorker(nats.url, db, "PGCUT", {}, 4), startWorker(nats.url, db, "PGCUT", {}, 4)];
    await Promise.all(workers.map((w) => w.ready));
    // The store names its connections `meterflow/<schema>` (application_name): every one of them
    // is terminated, again and again, while the workers decide and commit.
    const admin = adminClient();
    await admin.connect();
    let cut = 0;
    try {
      for (let i = 0; i < 30; i++) {
        const r = await admin.query<{ n: string }>("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1", [`meterflow/${schema}`]);
        cut += Number(r.rows[0].n);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await admin.end();
    }
    expect(cut).toBeGreaterThan(0);
    for (const r of await Promise.all(workers.map((w) => w.exited))) expect(r.status, r.stderr).toBe(0);
    await expectLikeTheRun("PGCUT", db, publishOut);
  }, 240_000);

  it("--exit-when-idle waits for the batches a dead worker held (back after the ack wait) and exits 0 only once the stream has none left", async () => {
    const { db, publishOut } = await prepare("DEAD");
    // An ack wait longer than the lease time and the idle time: the dead worker's partitions are
    // free after 10 s, the batches it held come back after 20 s, the survivor is idle after 2 s.
    const doomed = await startWorker(nats.url, db, "DEAD", { MF_FAILPOINT_KILL_AFTER_COMMITS: "2" }, 2, "ndjson", undefined, 20).exited;
    expect(doomed.signal, doomed.stderr).toBe("SIGKILL");
    const survivor = await startWorker(nats.url, db, "DEAD", {}, 2, "ndjson", undefined, 20).exited;
    expect(survivor.status, survivor.stderr).toBe(0);
    expect(await backlog(nats.url, "DEAD")).toBe(0);
    await expectLikeTheRun("DEAD", db, publishOut);
  }, 240_000);

  it("--exit-when-idle exits 1 when the batches left keep failing here, counting them; they wait in the stream for the next worker", async () => {
    const { db, publishOut } = await prepare("FAILING");
    await admin(db, "ALTER TABLE %s.segments RENAME TO segments_hidden");
    const failing = await startWorker(nats.url, db, "FAILING", {}, 2).exited;
    expect(failing.status, failing.stderr).toBe(1);
    // The summary counts the failed deliveries, and a line says how many batches failed and wait.
    expect(failing.stdout).toMatch(/^worker: 0 batches .*; [1-9][\d,]* failed deliveries \([1-9]\d* batches?\)/m);
    const waiting = await backlog(nats.url, "FAILING");
    expect(waiting).toBeGreaterThan(0);
    await admin(db, "ALTER TABLE %s.segments_hidden RENAME TO segments");
    const next = await startWorker(nats.url, db, "FAILING", {}, 2).exited;
    expect(next.status, next.stderr).toBe(0);
    expect(await backlog(nats.url, "FAILING")).toBe(0);
    await expectLikeTheRun("FAILING", db, publishOut);
  }, 240_000);

  it("bills nothing twice when the same files are published again, even past the duplicate window", async () => {
    const { db, publishOut } = await prepare("TWICE");
    // The messages as published (read before any worker takes them from the work queue).
    const nc = await connect({ servers: nats.url });
    const sent: Array<{ subject: string; data: Uint8Array }> = [];
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info("TWICE");
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage("TWICE", { seq });
        if (m !== null) sent.push({ subject: m.subject, data: m.data.slice() });
      }
    } finally {
      await nc.close();
    }
    expect(sent.length).toBeGreaterThan(3);
    expect((await startWorker(nats.url, db, "TWICE").exited).status).toBe(0);
    // The same files again: the stream's duplicate window stores nothing new.
    const again = meterflow("publish", "--nats", nats.url, "--stream", "TWICE", "--config", data.files.config,
      ...EVENTS, ...READINGS);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/duplicate/);
    // The same batches under new message ids (as after the window): the commits are idempotent.
    const nc2 = await connect({ servers: nats.url });
    try {
      const js = jetstream(nc2);
      for (const [i, m] of sent.entries()) await js.publish(m.subject, m.data, { msgID: `again-${i}` });
    } finally {
      await nc2.close();
    }
    const second = await startWorker(nats.url, db, "TWICE").exited;
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^worker: ${sent.length} batches \\(${sent.length} seen before\\)`));
    await expectLikeTheRun("TWICE", db, publishOut);
  }, 240_000);
});
