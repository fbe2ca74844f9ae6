// A cluster end to end on this machine: readings published to JetStream, decided by `meterflow
// worker` processes and committed to PostgreSQL, beside `meterflow run` on SQLite over the same
// file measured in the same run (the baseline). Shape (stated, default the nightly one): N meters
// with a registry baseline, D readings each, one file. For every worker layout a fresh schema
// gets the registry and the published readings (not timed); the time is from starting the
// workers to the last batch's commit (worker start-up included), so readings/s is end to end
// with commits. Medians over --runs.
//   npm run build:ts && node dist/bench/cluster/cluster.js [--meters 1000000] [--days 1] [--runs 3]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { writeBenchMeters, writeBenchReadings } from "../../engine/demo/bench.js";
import { openStore } from "../../engine/store/open.js";
import { packageRoot } from "../../engine/wasm/paths.js";
import { startServer } from "../nats/server.js";

const { values } = parseArgs({ options: {
  meters: { type: "string", default: "1000000" }, days: { type: "string", default: "1" }, runs: { type: "string", default: "3" },
  postgres: { type: "string", default: process.env.MF_TEST_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test" },
} });
const meters = Number(values.meters);
const days = Number(values.days);
const runs = Number(values.runs);
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "meterflow-bench-cluster-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const registry = await writeBenchMeters({ path: join(dir, "meters.csv"), meters });
const readings = await writeBenchReadings({ path: join(dir, "readings.csv"), meters, readings: meters * days });
console.log(`shape: ${meters.toLocaleString("en")} meters x ${days} reading(s) = ${readings.rows.toLocaleString("en")} readings `
  + `(${(readings.bytes / 1e6).toFixed(1)} MB), registry baselines; 2 cores`);

function cli(...args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`meterflow ${args[0]} failed: ${r.stderr}`);
}

/** `meterflow run` on SQLite over the same files (registry imported first, not timed). */
function baseline(): number {
  const db = join(dir, `run-${Math.random().toString(36).slice(2)}.db`);
  cli("meters", "import", "--db", db, registry.path);
  const t = performance.now();
  cli("run", "--quiet", "--db", db, "--out", join(dir, "run-out"), readings.path);
  const s = (performance.now() - t) / 1000;
  rmSync(db, { force: true });
  return s;
}

/** A layout: `processes` workers with `threads` decision threads each; seconds to the last commit. */
async function cluster(processes: number, threads: number): Promise<number> {
  const schema = `mf_bench_${Math.random().toString(36).slice(2, 10)}`;
  const db = `${values.postgres}?schema=${schema}`;
  const server = await startServer();
  try {
    cli("meters", "import", "--db", db, registry.path);
    cli("publish", "--nats", server.url, "--quiet", readings.path);
    const started = Date.now();
    const workers = Array.from({ length: processes }, () => new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "worker", "--nats", server.url, "--db", db, "--threads", String(threads), "--exit-when-idle", "2"],
        { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}: ${err}`))));
    }));
    await Promise.all(workers);
    const store = await openStore(db);
    let last = "";
    let rows = 0;
    for (let after = 0; ;) {
      const page = await store.listBatches({ afterSeq: after, limit: 10_000 });
      for (const b of page) {
        if (b.committedAt > last) last = b.committedAt;
        rows += b.counts.rows;
      }
      if (page.length < 10_000) break;
      after = page[page.length - 1].seq;
    }
    await store.close();
    if (rows !== readings.rows) throw new Error(`the cluster decided ${rows} of ${readings.rows} readings`);
    return (Date.parse(last) - started) / 1000;
  } finally {
    await server.stop();
    const url = new URL(values.postgres);
    if (url.username === "") url.username = process.env.PGUSER ?? userInfo().username;
    const client = new pg.Client({ connectionString: url.href });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

const layouts: Array<[string, () => Promise<number>]> = [
  ["meterflow run, SQLite (baseline)", async () => baseline()],
  ["1 worker, decided in its main thread", () => cluster(1, 0)],
  ["1 worker, 2 decision threads", () => cluster(1, 2)],
  ["2 workers, 1 decision thread each", () => cluster(2, 1)],
];
const results: Array<{ layout: string; seconds: number }> = [];
for (const [layout, measure] of layouts) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await measure());
  results.push({ layout, seconds: median(times) });
  console.log(`${layout.padEnd(40)} ${median(times).toFixed(2).padStart(7)} s  ${(readings.rows / median(times) / 1e6).toFixed(3)}M readings/s  `
    + `(${(results[0].seconds / median(times)).toFixed(2)}x the run; runs: ${times.map((t) => t.toFixed(2)).join(", ")})`);
}
rmSync(dir, { recursive: true, force: true });
