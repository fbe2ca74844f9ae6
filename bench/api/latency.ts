// Control API latency at a steady load while a batch job runs (issue 16): p50 and p99 of
// GET /v1/meters/:id, a temp_bad change (PUT) and a manual reading with a photo (multipart POST),
// each at a fixed request rate (autocannon), on an N-meter state (default 1M) while `meterflow
// run` decides 2 readings per meter on the same store in another process; then the same load with
// no job, for comparison. Goal: p99 < 50 ms.
//   npm run build:ts && node dist/bench/api/latency.js [meters] [seconds per scenario] [--db postgres://...]
import { spawn, spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { newToken } from "../../engine/api/auth/tokens.js";
import { startApiServer } from "../../engine/api/server.js";
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

/** Splits a readings CSV after its first `rows` rows: [head, rest], each with the header. */
async function split(path: string, rows: number): Promise<[string, string]> {
  const head = join(dir, "night1.csv");
  const rest = join(dir, "night2.csv");
  const a = createWriteStream(head);
  const b = createWriteStream(rest);
  let n = -1;
  for await (const line of createInterface({ input: createReadStream(path) })) {
    if (n === -1) {
      a.write(`${line}\n`);
      b.write(`${line}\n`);
    } else if (!(n < rows ? a : b).write(`${line}\n`)) await new Promise<void>((r) => (n < rows ? a : b).once("drain", () => r()));
    n++;
  }
  await Promise.all([new Promise<void>((r) => a.end(() => r())), new Promise<void>((r) => b.end(() => r()))]);
  return [head, rest];
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
  await writeBenchReadings({ path: readings, meters: METERS, readings: 3 * METERS, startDay });
  const [night1, night2] = await split(readings, METERS);
  let t = performance.now();
  cli("run", "--db", db, "--meters", meters, "--out", join(dir, "o1"), "--quiet", night1);
  console.log(`api latency bench: ${METERS.toLocaleString("en")} meters on ${pgUrl === undefined ? "SQLite" : "PostgreSQL"}, state made in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
    `${SECONDS} s per scenario, node ${process.version}`);
  const store = await openStore(db);
  const { token, hash } = newToken();
  await store.addToken({ name: "bench", role: "operator", hash, createdAt: new Date().toISOString() });
  await store.close();
  const server = await startApiServer({ db, port: 0, log: () => undefined });
  let manualDay = 0;
  // Manual readings dated after the job's days (2025-01-04 on), one day later each time.
  const day = () => new Date(Date.UTC(2025, 0, 4) + (manualDay++ % 300) * 86_400_000).toISOString().slice(0, 10);
  try {
    const rows: string[][] = [];
    for (const phase of ["while a job runs", "idle"] as const) {
      let job: ReturnType<typeof spawn> | undefined;
      let jobEnded: Promise<number | null> = Promise.resolve(0);
      let jobSeconds = 0;
      if (phase === "while a job runs") {
        t = performance.now();
        job = spawn(process.execPath, [BIN, "run", "--db", db, "--out", join(dir, "o2"), "--quiet", night2], { stdio: ["ignore", "ignore", "inherit"] });
        jobEnded = new Promise((resolve) => job!.on("exit", (code) => {
          jobSeconds = (performance.now() - t) / 1000;
          resolve(code);
        }));
      }
      for (const s of scenarios(day)) {
        const running = job !== undefined && job.exitCode === null;
        const r = await load(server.url, token, s);
        const stillRunning = job !== undefined && job.exitCode === null;
        rows.push([s.name, phase === "idle" ? "idle" : running && stillRunning ? "job running" : running ? "job ended midway" : "job had ended",
          String(s.rate), String(r.requests), r.p50.toFixed(1), r.p99.toFixed(1), r.max.toFixed(0), String(r.non2xx + r.errors)]);
      }
      const code = await jobEnded;
      if (code !== 0) throw new Error(`the batch job exited ${code}`);
      if (job !== undefined) console.log(`batch job: ${(2 * METERS).toLocaleString("en")} readings in ${jobSeconds.toFixed(1)} s`);
    }
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
