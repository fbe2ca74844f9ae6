// Control API latency at a steady load while a batch job runs (issue 16): p50 and p99 of
// GET /v1/meters/:id, a temp_bad change (PUT) and a manual reading with a photo (multipart POST),
// each at a fixed request rate (evenly spaced, open loop: bench/lib/paced-load.ts), on an N-meter state (default 1M) while a job decides
// R readings per meter (default 18) on the same store, a job of its own per route; then the same
// load with no job, for comparison. The job is, by default, a job of the server's own
// (POST /v1/jobs: `meterflow run` in a thread of the server's process); with --job process it is
// `meterflow run` in a process of its own. The server runs as `meterflow serve` in a process of
// its own, the load generator in this one; each route is warmed up first (3 s, not measured).
// Before each measured phase the disk settles (bench/lib/postgres.ts settle: a CHECKPOINT on
// PostgreSQL, then sync), so a phase pays for its own job's writes, not for the writeback of the
// state's making or of the phase before. Phases last 30 s by default: a manual reading's 10/s
// then give 300 requests, so its p99 is its third slowest (at 15 s it was its second, and swung
// 15 ms from run to run); the jobs' 18 readings per meter last past the phase.
// Goal: p99 < 50 ms.
//   npm run build:ts && node dist/bench/api/latency.js [meters] [seconds per scenario]
//     [--db postgres://...] [--job api|process] [--job-readings R] [--serve "--job-nice 10 ..."]
//     [--manual-anywhere] [--job-batch N] [--routes get,put,manual]
import { spawn, spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { newToken } from "../../engine/api/auth/tokens.js";
import { benchMeterId, writeBenchMeters, writeBenchReadings } from "../../engine/demo/index.js";
import { DEFAULT_PARTITIONS, partitionOf } from "../../engine/store/contract.js";
import { openStore } from "../../engine/store/open.js";
import { packageRoot } from "../../engine/wasm/paths.js";
import { pacedLoad } from "../lib/paced-load.js";
import type { PacedLoadResult } from "../lib/paced-load.js";
import { benchSchema, dropSchemas, settle } from "../lib/postgres.js";

const args = process.argv.slice(2);
/** The value of `--name VALUE`, taken out of args. */
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const pgUrl = option("--db");
const JOB_MODE = option("--job") ?? "api";
if (JOB_MODE !== "api" && JOB_MODE !== "process") throw new Error(`--job api|process, got ${JOB_MODE}`);
const PER_METER = Number(option("--job-readings") ?? 18);
/** Readings per batch (and per commit transaction) of the jobs; default the server's (8,192 on SQLite, 16,384 on PostgreSQL; engine/api/jobs/job.ts). */
const JOB_BATCH = option("--job-batch");
/** Routes measured (get, put, manual); default all three. */
const ROUTES = (option("--routes") ?? "get,put,manual").split(",");
const SERVE_ARGS = (option("--serve") ?? "").split(" ").filter((a) => a !== "");
/**
 * A manual reading commits a batch of one to its meter's bucket. Before fencing by meter
 * (engine/store/bucket-fence.ts) that fenced a `meterflow run` deciding the same partition, which
 * stopped after 5 tries (MF_ERR_STORE_FENCED); now only a batch of the run deciding that very
 * meter is decided again. By default the manual readings are for meters of partition 0 and their
 * route's job leaves those meters out (as code from before can be measured the same way);
 * --manual-anywhere puts them on any meter, the job's included.
 */
const MANUAL_ANYWHERE = args.includes("--manual-anywhere");
if (MANUAL_ANYWHERE) args.splice(args.indexOf("--manual-anywhere"), 1);
const MANUAL_APART = !MANUAL_ANYWHERE;
const METERS = Number(args[0] ?? 1_000_000);
const SECONDS = Number(args[1] ?? 30);
const WARMUP_SECONDS = 3;
// The CLI runs as its bin, through its #! line (and the environment that sets), as users start it.
const BIN = join(packageRoot(), "dist", "bin", "meterflow.mjs");
const dir = join(tmpdir(), `meterflow-api-bench-${process.pid}`);
mkdirSync(dir, { recursive: true });
// On PostgreSQL the state goes into a schema of its own, dropped at the end.
const pgSchema = pgUrl === undefined ? undefined : benchSchema(pgUrl);
const db = pgSchema?.url ?? join(dir, "state.db");

/** Splits a readings CSV into files of `sizes` rows each (in order), each with the header; rows `skip` names are left out (and counted). */
async function split(path: string, sizes: readonly number[], skip: (line: string, part: number) => boolean = () => false): Promise<string[]> {
  const paths = sizes.map((_, i) => join(dir, `part-${i}.csv`));
  const outs = paths.map((p) => createWriteStream(p));
  let header: string | undefined;
  let part = 0;
  let left = sizes[0];
  for await (const line of createInterface({ input: createReadStream(path) })) {
    if (header === undefined) {
      header = line;
      for (const o of outs) o.write(`${line}\n`);
      continue;
    }
    while (left === 0 && part < sizes.length - 1) left = sizes[++part];
    if (left === 0) break;
    left--;
    if (skip(line, part)) continue;
    if (!outs[part].write(`${line}\n`)) await new Promise<void>((r) => outs[part].once("drain", () => r()));
  }
  await Promise.all(outs.map((o) => new Promise<void>((r) => o.end(() => r()))));
  return paths;
}

function cli(...argv: string[]): void {
  const r = spawnSync(BIN, argv, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`meterflow ${argv.join(" ")}: ${r.stderr}`);
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 4000 }, (_, i) => i & 255)]);
const random = (n: number) => Math.floor(Math.random() * n);
const meterId = () => benchMeterId(random(METERS), METERS);
/** Partition 0's meters: the manual readings' own, left out of their route's job (MANUAL_APART). */
let apart: string[] | undefined;
const inApart = (id: string) => partitionOf(id, DEFAULT_PARTITIONS) === 0;
const manualMeterId = () => {
  if (!MANUAL_APART) return meterId();
  apart ??= Array.from({ length: METERS }, (_, i) => benchMeterId(i, METERS)).filter(inApart);
  return apart[random(apart.length)];
};

interface Scenario {
  key: "get" | "put" | "manual";
  name: string;
  rate: number;
  request: () => { method: "GET" | "PUT" | "POST"; path: string; headers?: Record<string, string>; body?: string | Buffer };
}

function scenarios(day: () => string): Scenario[] {
  let flip = 0;
  const boundary = "----meterflowbench";
  return [
    { key: "get", name: "GET /v1/meters/:id", rate: 200, request: () => ({ method: "GET", path: `/v1/meters/${meterId()}` }) },
    {
      key: "put", name: "PUT /v1/meters/:id/temp-bad", rate: 50,
      request: () => ({ method: "PUT", path: `/v1/meters/${meterId()}/temp-bad`, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: `bench ${flip++}` }) }),
    },
    {
      key: "manual", name: "POST /v1/meters/:id/readings", rate: 10,
      request: () => {
        const parts = [
          `--${boundary}\r\nContent-Disposition: form-data; name="end"\r\n\r\n${day()}\r\n`,
          `--${boundary}\r\nContent-Disposition: form-data; name="value"\r\n\r\n${1_000_000 + random(1000)}\r\n`,
          `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="dial.png"\r\nContent-Type: image/png\r\n\r\n`,
        ];
        const body = Buffer.concat([Buffer.from(parts.join("")), PNG, Buffer.from(`\r\n--${boundary}--\r\n`)]);
        return { method: "POST", path: `/v1/meters/${manualMeterId()}/readings`, headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, body };
      },
    },
  ];
}

/** The scenario's route at its rate for `seconds` (bench/lib/paced-load.ts: evenly spaced, latency from when each was due). */
function load(url: string, token: string, s: Scenario, seconds = SECONDS): Promise<PacedLoadResult> {
  return pacedLoad({ url, rate: s.rate, seconds, connections: Math.max(4, Math.ceil(s.rate / 20)), headers: { authorization: `Bearer ${token}` }, request: s.request });
}

/** A job: started, and resolved with how it ended once it did. */
interface RunningJob {
  ended: Promise<{ ok: boolean; seconds: number; what: string; readings?: number }>;
  running(): boolean;
}

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(new URL(path, url), {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json() as Record<string, any>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** POST /v1/jobs, followed (GET every 250 ms) until it ends. */
async function apiJob(url: string, token: string, input: string, out: string): Promise<RunningJob> {
  const started = performance.now();
  const job = await api(url, token, "POST", "/v1/jobs", { inputs: [input], out, ...(JOB_BATCH === undefined ? {} : { batch_size: Number(JOB_BATCH) }) });
  let done = false;
  const ended = (async () => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const view = await api(url, token, "GET", `/v1/jobs/${job.id}`);
      if (["finished", "failed", "cancelled"].includes(view.status)) {
        done = true;
        const seconds = (performance.now() - started) / 1000;
        return { ok: view.status === "finished", seconds, readings: view.processed as number, what: `${view.status}${view.error === null ? "" : ` ${view.error.code}`}, ${view.processed.toLocaleString("en")} readings` };
      }
    }
  })();
  return { ended, running: () => !done };
}

/** `meterflow run` in a process of its own. */
function processJob(input: string, out: string): RunningJob {
  const started = performance.now();
  const child = spawn(BIN, ["run", "--db", db, "--out", out, "--quiet", ...(JOB_BATCH === undefined ? [] : ["--batch-size", JOB_BATCH]), input],
    { stdio: ["ignore", "ignore", "inherit"] });
  const ended = new Promise<{ ok: boolean; seconds: number; what: string }>((resolve) => child.on("exit", (code) => {
    // A run refuses a batch another writer fenced (MF_ERR_STORE_FENCED, said on stderr above)
    // after FENCED_ATTEMPTS tries: the API's batches of one commit to the partitions it decides.
    resolve({ ok: code === 0, seconds: (performance.now() - started) / 1000, what: code === 0 ? "finished" : `exit ${code}` });
  }));
  return { ended, running: () => child.exitCode === null };
}

const load1 = () => loadavg()[0].toFixed(1);

try {
  const meters = join(dir, "meters.csv");
  const readings = join(dir, "readings.csv");
  const startDay = "2025-01-01";
  await writeBenchMeters({ path: meters, meters: METERS, startDay });
  // The state's first night (1 reading per meter), then a job of PER_METER readings per meter
  // for each route measured while a job runs.
  const JOB = PER_METER * METERS;
  await writeBenchReadings({ path: readings, meters: METERS, readings: METERS + 3 * JOB, startDay });
  const [night1, ...jobFiles] = await split(readings, [METERS, JOB, JOB, JOB], (line, part) => MANUAL_APART && part === 3 && inApart(line.slice(0, line.indexOf(","))));
  rmSync(readings);
  let t = performance.now();
  cli("run", "--db", db, "--meters", meters, "--out", join(dir, "o1"), "--quiet", night1);
  console.log(`api latency bench: ${METERS.toLocaleString("en")} meters on ${pgUrl === undefined ? "SQLite" : "PostgreSQL"}, state made in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
    `${SECONDS} s per scenario, jobs ${JOB_MODE === "api" ? "of the server (POST /v1/jobs)" : "in a process of their own (meterflow run)"} ` +
    `of ${(JOB / 1e6).toFixed(1)}M readings; manual readings ${MANUAL_APART ? "on partition 0's meters, which their job leaves out" : "on any meter"}; ` +
    `node ${process.version}${SERVE_ARGS.length > 0 ? `; serve ${SERVE_ARGS.join(" ")}` : ""}`);
  const store = await openStore(db);
  const { token, hash } = newToken();
  // An admin: it reads, acts on meters and starts jobs.
  await store.addToken({ name: "bench", role: "admin", hash, createdAt: new Date().toISOString() });
  await store.close();
  // The server in a process of its own, as it runs: the load generator must not share its event loop.
  const child = spawn(BIN, ["serve", "--db", db, "--port", "0", "--data-dir", dir, ...SERVE_ARGS], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", (line) => resolve(line.replace(/^.* listening on /, "")));
    child.once("exit", (code) => reject(new Error(`meterflow serve exited ${code}`)));
  });
  const server = { url, close: () => new Promise<void>((resolve) => { child.once("exit", () => resolve()); child.kill("SIGTERM"); }) };
  let manualDay = 0;
  // Manual readings dated after the jobs' days, one day later each time.
  const firstManual = Date.UTC(2025, 0, 1) + (2 + 3 * PER_METER) * 86_400_000;
  const day = () => new Date(firstManual + (manualDay++ % 300) * 86_400_000).toISOString().slice(0, 10);
  try {
    for (const sc of scenarios(day)) if (ROUTES.includes(sc.key)) await load(server.url, token, sc, WARMUP_SECONDS);
    const rows: string[][] = [];
    const jobs: string[] = [];
    let settled = "";
    for (const phase of ["while a job runs", "idle"] as const) {
      for (const [i, sc] of scenarios(day).entries()) {
        if (!ROUTES.includes(sc.key)) continue;
        let job: RunningJob | undefined;
        settled = await settle(pgSchema?.url);
        if (phase === "while a job runs") {
          const out = join(dir, `o-job-${i}`);
          job = JOB_MODE === "api" ? await apiJob(server.url, token, jobFiles[i], out) : processJob(jobFiles[i], out);
        }
        const before = load1();
        const r = await load(server.url, token, sc);
        let during = job === undefined ? "idle" : job.running() ? "job running throughout" : "job ended before the route's end";
        if (job !== undefined) {
          const ended = await job.ended;
          jobs.push(`${sc.name}: ${ended.what} in ${ended.seconds.toFixed(1)} s (${((ended.readings ?? JOB) / ended.seconds / 1e6).toFixed(2)}M readings/s)`);
          if (!ended.ok) during += " (then failed)";
        }
        rows.push([sc.name, during, String(sc.rate), String(r.requests), r.p50.toFixed(1), r.p99.toFixed(1), r.max.toFixed(0), r.maxSendLag.toFixed(0), String(r.non2xx + r.errors), `${before}-${load1()}`]);
      }
    }
    console.log(`before each phase: ${settled}\nbatch jobs:\n  ${jobs.join("\n  ")}`);
    const header = ["route", "phase", "req/s", "requests", "p50 ms", "p99 ms", "max ms", "max send lag ms", "non-2xx", "load avg"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log(line(header));
    for (const r of rows) console.log(line(r));
  } finally {
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (pgSchema !== undefined) await dropSchemas(pgSchema.url, [pgSchema.schema]);
}
