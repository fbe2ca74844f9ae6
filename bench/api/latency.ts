// Control API latency at a steady load while a batch job runs (issue 16): p50 and p99 of
// GET /v1/meters/:id, a temp_bad change (PUT) and a manual reading with a photo (multipart POST),
// each at a fixed request rate (autocannon), on an N-meter state (default 1M) while `meterflow
// run` decides 2 readings per meter on the same store in another process (a job of its own per
// route); then the same load with no job, for comparison. The server runs as `meterflow serve` in a process of its own, the
// load generator in this one. Goal: p99 < 50 ms.
//   npm run build:ts && node dist/bench/api/latency.js [meters] [seconds per scenario] [--db postgres://...]
import { spawn, spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { newToken } from "../../engine/api/auth/tokens.js";
import { benchMeterId, writeBenchMeters, writeBenchReadings } from "../../engine/demo/index.js";
import { openStore } from "../../engine/store/open.js";
import { packageRoot } from "../../engine/wasm/paths.js";

const args = process.argv.slice(2);
const dbArg = args.indexOf("--db");
const pgUrl = dbArg >= 0 ? args.splice(dbArg, 2)[1] : undefined;
const METERS = Number(args[0] ?? 1_000_000);
const SECONDS = Number(args[1] ?? 15);
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = join(tmpdir(), `meterflow-api-bench-${process.pid}`);
mkdirSync(dir, { recursive: true });
const db = pgUrl ?? join(dir, "state.db");

/** Splits a readings CSV into files of `sizes` rows each (in order), each with the header. */
async function split(path: string, sizes: readonly number[]): Promise<string[]> {
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
    if (!outs[part].write(`${line}\n`)) await new Promise<void>((r) => outs[part].once("drain", () => r()));
  }
  await Promise.all(outs.map((o) => new Promise<void>((r) => o.end(() => r()))));
  return paths;
}

function cli(...argv: string[]): void {
  const r = spawnSync(process.execPath, [BIN, ...argv], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`meterflow ${argv.join(" ")}: ${r.stderr}`);
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 4000 }, (_, i) => i & 255)]);
const random = (n: number) => Math.floor(Math.random() * n);
const meterId = () => benchMeterId(random(METERS), METERS);

interface Scenario {
  name: string;
  rate: number;
  request: () => { method: "GET" | "PUT" | "POST"; path: string; headers?: Record<string, string>; body?: string | Buffer };
}

function scenarios(day: () => string): Scenario[] {
  let flip = 0;
  const boundary = "----meterflowbench";
  return [
    { name: "GET /v1/meters/:id", rate: 200, request: () => ({ method: "GET", path: `/v1/meters/${meterId()}` }) },
    {
      name: "PUT /v1/meters/:id/temp-bad", rate: 50,
      request: () => ({ method: "PUT", path: `/v1/meters/${meterId()}/temp-bad`, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: `bench ${flip++}` }) }),
    },
    {
      name: "POST /v1/meters/:id/readings", rate: 10,
      request: () => {
        const parts = [
          `--${boundary}\r\nContent-Disposition: form-data; name="end"\r\n\r\n${day()}\r\n`,
          `--${boundary}\r\nContent-Disposition: form-data; name="value"\r\n\r\n${1_000_000 + random(1000)}\r\n`,
          `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="dial.png"\r\nContent-Type: image/png\r\n\r\n`,
        ];
        const body = Buffer.concat([Buffer.from(parts.join("")), PNG, Buffer.from(`\r\n--${boundary}--\r\n`)]);
        return { method: "POST", path: `/v1/meters/${meterId()}/readings`, headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, body };
      },
    },
  ];
}

async function load(url: string, token: string, s: Scenario): Promise<{ p50: number; p99: number; max: number; requests: number; non2xx: number; errors: number }> {
  const result = await autocannon({
    url, connections: Math.max(2, Math.ceil(s.rate / 20)), overallRate: s.rate, duration: SECONDS,
    headers: { authorization: `Bearer ${token}` },
    requests: [{
      setupRequest: (req) => {
        const r = s.request();
        return { ...req, method: r.method, path: r.path, body: r.body, headers: { ...r.headers, authorization: `Bearer ${token}` } };
      },
    }],
  });
  return { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, requests: result.requests.total, non2xx: result.non2xx, errors: result.errors };
}

try {
  const meters = join(dir, "meters.csv");
  const readings = join(dir, "readings.csv");
  const startDay = "2025-01-01";
  await writeBenchMeters({ path: meters, meters: METERS, startDay });
  // The state's first night (1 reading per meter), then a job of 2 readings per meter for each
  // route measured while a job runs, so every route meets a job that runs longer than it.
  const JOB = 2 * METERS;
  await writeBenchReadings({ path: readings, meters: METERS, readings: METERS + 3 * JOB, startDay });
  const [night1, ...jobFiles] = await split(readings, [METERS, JOB, JOB, JOB]);
  rmSync(readings);
  let t = performance.now();
  cli("run", "--db", db, "--meters", meters, "--out", join(dir, "o1"), "--quiet", night1);
  console.log(`api latency bench: ${METERS.toLocaleString("en")} meters on ${pgUrl === undefined ? "SQLite" : "PostgreSQL"}, state made in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
    `${SECONDS} s per scenario, node ${process.version}`);
  const store = await openStore(db);
  const { token, hash } = newToken();
  await store.addToken({ name: "bench", role: "operator", hash, createdAt: new Date().toISOString() });
  await store.close();
  // The server in a process of its own, as it runs: the load generator must not share its event loop.
  const child = spawn(process.execPath, [BIN, "serve", "--db", db, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", (line) => resolve(line.replace(/^.* listening on /, "")));
    child.once("exit", (code) => reject(new Error(`meterflow serve exited ${code}`)));
  });
  const server = { url, close: () => new Promise<void>((resolve) => { child.once("exit", () => resolve()); child.kill("SIGTERM"); }) };
  let manualDay = 0;
  // Manual readings dated after the jobs' days (2025-01-10 on), one day later each time.
  const day = () => new Date(Date.UTC(2025, 0, 10) + (manualDay++ % 300) * 86_400_000).toISOString().slice(0, 10);
  try {
    const rows: string[][] = [];
    const jobs: string[] = [];
    for (const phase of ["while a job runs", "idle"] as const) {
      for (const [i, sc] of scenarios(day).entries()) {
        let job: ReturnType<typeof spawn> | undefined;
        let jobEnded: Promise<number | null> = Promise.resolve(0);
        if (phase === "while a job runs") {
          const started = performance.now();
          job = spawn(process.execPath, [BIN, "run", "--db", db, "--out", join(dir, `o-job-${i}`), "--quiet", jobFiles[i]], { stdio: ["ignore", "ignore", "inherit"] });
          jobEnded = new Promise((resolve) => job!.on("exit", (code) => {
            jobs.push(`${(JOB / 1e6).toFixed(1)}M readings in ${((performance.now() - started) / 1000).toFixed(1)} s`);
            resolve(code);
          }));
        }
        const r = await load(server.url, token, sc);
        let during = job === undefined ? "idle" : job.exitCode === null ? "job running throughout" : "job ended before the route's end";
        // A run refuses a batch another writer fenced (MF_ERR_STORE_FENCED, said on stderr above):
        // the API's batches of one commit to the partitions the run is deciding.
        if ((await jobEnded) !== 0) during += " (then failed)";
        rows.push([sc.name, during, String(sc.rate), String(r.requests), r.p50.toFixed(1), r.p99.toFixed(1), r.max.toFixed(0), String(r.non2xx + r.errors)]);
      }
    }
    console.log(`batch jobs: ${jobs.join(", ")}`);
    const header = ["route", "phase", "req/s", "requests", "p50 ms", "p99 ms", "max ms", "non-2xx"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log(line(header));
    for (const r of rows) console.log(line(r));
  } finally {
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
