// A cluster end to end on this machine: readings published to JetStream, decided by `meterflow
// worker` processes and committed to PostgreSQL, beside `meterflow run` on SQLite over the same
// file measured in the same run (the baseline). Shape (stated, default the nightly one): N meters
// with a registry baseline, D readings each, one file. For every worker layout a fresh schema
// gets the registry and the published readings (not timed); the time is from starting the
// workers to the last batch's commit (worker start-up included), so readings/s is end to end
// with commits. Medians over --runs.
//   npm run build:ts && node dist/bench/cluster/cluster.js [--meters 1000000] [--days 1] [--runs 3]
//     [--layouts run,1x0,1x2,2x0] [--format ndjson|csv] [--bin label=PATH/dist/bin/meterflow.mjs]... [--node-args=...]
// --format is the workers' output format (their --format; default NDJSON, as the worker's).
// Layouts: `run` is the baseline, `PxT` is P worker processes with T decision threads each.
// With several --bin (an A/B: the code before a change and after it), every layout's runs
// alternate between them, run by run, in the same minutes on the same files.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeBenchMeters, writeBenchReadings } from "../../engine/demo/bench.js";
import { openStore } from "../../engine/store/open.js";
import { packageRoot } from "../../engine/wasm/paths.js";
import { benchSchema, dropSchemas } from "../lib/postgres.js";
import { startServer } from "../nats/server.js";

const { values } = parseArgs({ options: {
  meters: { type: "string", default: "1000000" }, days: { type: "string", default: "1" }, runs: { type: "string", default: "3" },
  postgres: { type: "string", default: process.env.MF_TEST_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test" },
  layouts: { type: "string", default: "run,1x0,1x2,2x0" }, format: { type: "string", default: "ndjson" }, bin: { type: "string", multiple: true }, "node-args": { type: "string", default: "" },
} });
const meters = Number(values.meters);
const days = Number(values.days);
const runs = Number(values.runs);
const bins = (values.bin ?? [`this=${join(packageRoot(), "dist", "bin", "meterflow.mjs")}`]).map((b) => {
  const at = b.indexOf("=");
  return at < 0 ? { label: b, path: b } : { label: b.slice(0, at), path: b.slice(at + 1) };
});
const nodeArgs = values["node-args"].split(" ").filter((a) => a !== "");
const dir = mkdtempSync(join(tmpdir(), "meterflow-bench-cluster-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const registry = await writeBenchMeters({ path: join(dir, "meters.csv"), meters });
const readings = await writeBenchReadings({ path: join(dir, "readings.csv"), meters, readings: meters * days });
console.log(`shape: ${meters.toLocaleString("en")} meters x ${days} reading(s) = ${readings.rows.toLocaleString("en")} readings `
  + `(${(readings.bytes / 1e6).toFixed(1)} MB), registry baselines; workers' outputs as ${values.format}; 2 cores`);

/**
 * A meterflow command line: the bin run through its #! line (and the environment that sets), as
 * a shell and `npx meterflow` start it; under node with --node-args.
 */
function program(bin: string, args: string[]): string[] {
  return nodeArgs.length === 0 ? [bin, ...args] : [process.execPath, ...nodeArgs, bin, ...args];
}

function cli(bin: string, ...args: string[]): void {
  const [cmd, ...argv] = program(bin, args);
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`meterflow ${args[0]} failed: ${r.stderr}`);
}

/** `meterflow run` on SQLite over the same files (registry imported first, not timed). */
function baseline(bin: string): number {
  const db = join(dir, `run-${Math.random().toString(36).slice(2)}.db`);
  cli(bin, "meters", "import", "--db", db, registry.path);
  const t = performance.now();
  cli(bin, "run", "--quiet", "--db", db, "--out", join(dir, "run-out"), readings.path);
  const s = (performance.now() - t) / 1000;
  rmSync(db, { force: true });
  return s;
}

/** CPU seconds (user + system) of the worker processes of the last cluster run, from /usr/bin/time. */
let workerCpu = 0;
/** Batches each worker of the last cluster run committed (its summary line): how the partitions were shared. */
let workerBatches: number[] = [];

/** A layout: `processes` workers with `threads` decision threads each; seconds to the last commit. */
async function cluster(bin: string, processes: number, threads: number): Promise<number> {
  const { url: db, schema } = benchSchema(values.postgres!);
  const server = await startServer();
  try {
    cli(bin, "meters", "import", "--db", db, registry.path);
    cli(bin, "publish", "--nats", server.url, "--quiet", readings.path);
    const started = Date.now();
    workerCpu = 0;
    workerBatches = [];
    // Under /usr/bin/time for the workers' CPU seconds: on a shared, loaded machine their wall
    // time swings with the load; the CPU they used much less.
    const workers = Array.from({ length: processes }, () => new Promise<void>((resolve, reject) => {
      const child = spawn("/usr/bin/time", ["-f", "mf-cpu %U %S", ...program(bin, ["worker", "--nats", server.url, "--db", db,
        "--threads", String(threads), "--format", values.format!, "--exit-when-idle", "2"])], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      let out = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.once("exit", (code) => {
        const cpu = /mf-cpu ([\d.]+) ([\d.]+)/.exec(err);
        if (cpu !== null) workerCpu += Number(cpu[1]) + Number(cpu[2]);
        const batches = /^worker: ([\d,]+) batches/m.exec(out);
        if (batches !== null) workerBatches.push(Number(batches[1].replace(/,/g, "")));
        if (code === 0) resolve();
        else reject(new Error(`worker exited ${code}: ${err}`));
      });
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
    await dropSchemas(values.postgres!, [schema]);
  }
}

const NAMES: Record<string, string> = { run: "meterflow run, SQLite (baseline)" };
function measureOf(layout: string): [string, (bin: string) => Promise<number>] {
  if (layout === "run") return [NAMES.run, async (bin) => baseline(bin)];
  const m = /^(\d+)x(\d+)$/.exec(layout);
  if (m === null) throw new Error(`--layouts: ${layout} is not run or PxT`);
  const [p, t] = [Number(m[1]), Number(m[2])];
  const name = `${p} worker${p > 1 ? "s" : ""}, ${t === 0 ? "decided in the main thread" : `${t} decision thread${t > 1 ? "s" : ""}${p > 1 ? " each" : ""}`}`;
  return [name, (bin) => cluster(bin, p, t)];
}

let first: number | undefined;
for (const layout of values.layouts.split(",")) {
  const [name, measure] = measureOf(layout);
  const times = new Map<string, number[]>(bins.map((b) => [b.label, []]));
  const cpus = new Map<string, number[]>(bins.map((b) => [b.label, []]));
  const shares = new Map<string, string[]>(bins.map((b) => [b.label, []]));
  const loads: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const b of bins) {
      loads.push(loadavg()[0]);
      times.get(b.label)!.push(await measure(b.path));
      if (layout !== "run") cpus.get(b.label)!.push(workerCpu);
      if (layout !== "run") shares.get(b.label)!.push(workerBatches.sort((x, y) => y - x).join("/"));
    }
  }
  for (const b of bins) {
    const ts = times.get(b.label)!;
    const med = median(ts);
    first ??= med;
    const label = bins.length > 1 ? `${name} [${b.label}]` : name;
    const cpu = cpus.get(b.label)!;
    console.log(`${label.padEnd(48)} ${med.toFixed(2).padStart(7)} s  ${(readings.rows / med / 1e6).toFixed(3)}M readings/s  `
      + `(${(first / med).toFixed(2)}x the first; runs: ${ts.map((t) => t.toFixed(2)).join(", ")})`
      + (cpu.length > 0 ? `; workers' CPU ${median(cpu).toFixed(2)} s (runs: ${cpu.map((t) => t.toFixed(2)).join(", ")})` : "")
      + (shares.get(b.label)!.length > 0 ? `; batches per worker: ${shares.get(b.label)!.join(", ")}` : ""));
  }
  console.log(`  load average (1 min) at the runs' starts: ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
}
rmSync(dir, { recursive: true, force: true });
