// Shared by the whole-process shape benchmarks (bench/shapes/): seeded data files written with
// plain string building, the meterflow CLI and the floor program run as timed child processes
// (wall time spawn -> exit, peak RSS from GNU time or else summary.json), medians, and the
// alternating meterflow/floor loop every shape uses.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The meterflow CLI as users start it (the package's bin: the bundled command line, rolldown.config.mjs) and the floor program, as built into dist/. */
export const CLI = fileURLToPath(new URL("../../bin/meterflow.mjs", import.meta.url));
export const FLOOR = fileURLToPath(new URL("./floor.js", import.meta.url));
/** GNU time, for the peak RSS of a child; without it the RSS comes from summary.json. */
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
export const RSS_SOURCE = TIME === undefined ? "summary.json peak_rss_mb" : "/usr/bin/time -f %M";
/** A child that runs longer than this is killed and the shape reported as failed. */
const CHILD_TIMEOUT_MS = 30 * 60_000;

// ---------------------------------------------------------------------------------------------
// Data

/** xorshift32, seeded: the same seed gives the same files. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed * 0x9e3779b1) >>> 0 || 1;
  }
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (this.s = s >>> 0);
  }
}

/** Writes `header` and `rows` lines from `line(i)` to `path`, 64k lines per write; returns bytes. */
export function writeLines(path: string, header: string, rows: number, line: (i: number) => string): number {
  const fd = openSync(path, "w");
  try {
    let bytes = writeSync(fd, header + "\n");
    const parts: string[] = [];
    for (let i = 0; i < rows; i++) {
      parts.push(line(i));
      if (parts.length === 65_536) {
        bytes += writeSync(fd, parts.join(""));
        parts.length = 0;
      }
    }
    if (parts.length > 0) bytes += writeSync(fd, parts.join(""));
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** `file` cut into files of `per` lines each after its header (which each gets), named `name(k)`; returns their paths. */
export function cutFile(file: string, per: number, name: (k: number) => string): string[] {
  const [header, ...lines] = readFileSync(file, "latin1").trimEnd().split("\n");
  return Array.from({ length: Math.ceil(lines.length / per) }, (_, k) => {
    const path = name(k);
    const fd = openSync(path, "w");
    try {
      writeSync(fd, `${header}\n${lines.slice(k * per, (k + 1) * per).join("\n")}\n`, null, "latin1");
    } finally {
      closeSync(fd);
    }
    return path;
  });
}

/**
 * A fleet of `meters` registered meters (`M-0000001`...) with increasing registers. The registry
 * gives half of them (odd numbers) a baseline; each written day advances every register read.
 */
export class Fleet {
  readonly width: number;
  /** The current register of each meter (the value of its latest written reading). */
  readonly values: Uint32Array;
  private readonly rng: Rng;
  constructor(readonly meters: number, seed = 1) {
    this.width = Math.max(7, String(meters).length);
    this.rng = new Rng(seed);
    this.values = new Uint32Array(meters);
    for (let i = 0; i < meters; i++) this.values[i] = 1000 + (this.rng.next() % 400_000);
  }

  id(i: number): string {
    return `M-${String(i + 1).padStart(this.width, "0")}`;
  }

  /** The registry, with `last_reading`/`last_end` = the current register on `lastEnd` for half. */
  writeRegistry(path: string, lastEnd: string): number {
    return writeLines(path, "meter_id,type,unit,last_reading,last_end", this.meters, (i) =>
      (i & 1) === 0 ? `${this.id(i)},electricity.register,kWh,${this.values[i]},${lastEnd}\n` : `${this.id(i)},electricity.register,kWh,,\n`);
  }

  /** One reading of every meter for each of `days`, day after day in one file. */
  writeDays(path: string, days: string[]): number {
    const n = this.meters;
    return writeLines(path, "meter_id,end,value", n * days.length, (k) => {
      const i = k % n;
      return `${this.id(i)},${days[(k / n) | 0]},${this.advance(i)}\n`;
    });
  }

  /** One reading on `day` each for `count` meters spread evenly over the fleet. */
  writeSome(path: string, count: number, day: string): number {
    const step = Math.floor(this.meters / count);
    return writeLines(path, "meter_id,end,value", count, (k) => `${this.id(k * step)},${day},${this.advance(k * step)}\n`);
  }

  private advance(i: number): number {
    return (this.values[i] += 1 + (this.rng.next() % 60));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

/** A finished child process. */
export interface Proc {
  seconds: number;
  /** Peak RSS in MiB (KiB / 1024, as summary.json's peak_rss_mb); NaN when unknown. */
  rssMiB: number;
  /** User + system CPU seconds of the process and its threads (GNU time); NaN when unknown. */
  cpuSeconds: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node args...` in `cwd` and times it from spawn to exit; `outDir` holds a summary.json.
 * The meterflow CLI runs as its bin, through its #! line (and the environment that sets), as a
 * shell and `npx meterflow` start it.
 */
export function timedNode(args: string[], cwd: string, outDir?: string): Promise<Proc> {
  const rssFile = join(cwd, `rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const program = args[0] === CLI ? args : [process.execPath, ...args];
  const [cmd, argv] = TIME === undefined ? [program[0], program.slice(1)] : [TIME, ["-f", "%U %S %M", "-o", rssFile, ...program]];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: CHILD_TIMEOUT_MS });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const seconds = (performance.now() - start) / 1000;
      resolve({ seconds, ...usage(rssFile, outDir), code, signal, stdout, stderr });
    });
  });
}

/** Peak RSS and CPU time: from GNU time where it is, else the RSS of summary.json. */
function usage(rssFile: string, outDir: string | undefined): { rssMiB: number; cpuSeconds: number } {
  if (TIME !== undefined) {
    // GNU time writes "Command exited with non-zero status N" before the format when it failed.
    const last = existsSync(rssFile) ? readFileSync(rssFile, "utf8").trim().split("\n").pop() : undefined;
    rmSync(rssFile, { force: true });
    const [user, system, kib] = (last ?? "").split(" ").map(Number);
    return { rssMiB: Number.isFinite(kib) ? kib / 1024 : NaN, cpuSeconds: user + system };
  }
  const summary = outDir === undefined ? undefined : readSummary(outDir);
  return { rssMiB: summary?.peak_rss_mb ?? NaN, cpuSeconds: NaN };
}

/** The fields of summary.json the shapes check. */
export interface Summary {
  in: number;
  billable: number;
  held: number;
  rejected: number;
  duplicates: number;
  balanced: boolean;
  held_reasons: Record<string, number>;
  rejected_reasons: Record<string, number>;
  peak_rss_mb: number;
  seconds: number;
}

export function readSummary(outDir: string): Summary | undefined {
  const path = join(outDir, "summary.json");
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Summary) : undefined;
}

/** A one-line account of a run's summary.json, and whether it read `expected` readings, balanced. */
export function describeRun(outDir: string, expected: number): { ok: boolean; text: string } {
  const s = readSummary(outDir);
  if (s === undefined) return { ok: false, text: "no summary.json" };
  const reasons = (r: Record<string, number>) => Object.entries(r).map(([k, n]) => `${k} ${n.toLocaleString("en")}`).join(", ");
  const held = s.held > 0 ? ` (${reasons(s.held_reasons)})` : "";
  const rejected = s.rejected > 0 ? ` (${reasons(s.rejected_reasons)})` : "";
  const ok = s.in === expected && s.balanced;
  const text = `in ${s.in.toLocaleString("en")}, billable ${s.billable.toLocaleString("en")}, held ${s.held.toLocaleString("en")}${held}, ` +
    `rejected ${s.rejected.toLocaleString("en")}${rejected}, duplicates ${s.duplicates.toLocaleString("en")}${ok ? "" : ` NOT AS EXPECTED (${expected} in, balanced)`}`;
  return { ok, text };
}

/** The last lines of a child's output, for a failure message. */
export function tail(text: string, lines = 3): string {
  return text.trim().split("\n").slice(-lines).join(" | ");
}

/** Copies a SQLite state file and its -wal (when present) to `to`, replacing what was there. */
export function copyState(from: string, to: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(to + suffix, { force: true });
  copyFileSync(from, to);
  if (existsSync(from + "-wal")) copyFileSync(from + "-wal", to + "-wal");
  // On disk before the timed run, as a night's state is by the next night: unsynced, the copy's
  // writeback fell on the run's first fsync (the nightly 1M state: its first commit 91 ms, 20 ms
  // with the copy synced).
  for (const suffix of ["", "-wal"]) if (existsSync(to + suffix)) syncFile(to + suffix);
}

function syncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes a state file with its -wal and -shm. */
export function removeState(path: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
}

// ---------------------------------------------------------------------------------------------
// Measuring

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** A shape's benchmark failed: the message says exactly how. */
export class ShapeFailure extends Error {}

/** One side of a comparison: the child's arguments for run `run`, set up by `prepare`. */
export interface Side {
  args: (run: number) => string[];
  prepare?: (run: number) => void;
  /** summary.json's directory, for the RSS fallback. */
  outDir?: (run: number) => string;
  /** Checks a finished run; returns a note to print, or throws ShapeFailure. */
  check?: (proc: Proc, run: number) => string;
}

/** One row of the final table. */
export interface Row {
  shape: string;
  goal: string;
  rows: number;
  seconds: number;
  rssMiB: number;
  maxRssMiB: number;
  floorSeconds: number;
  floorRssMiB: number;
  /** Whether the goal is met, in words. */
  met: string;
  error?: string;
}

/** Medians of `runs` alternating runs of meterflow (the CLI with `mf.args`) and the floor. */
export async function compare(runs: number, cwd: string, mf: Side, floor: Side): Promise<{ mf: Proc[]; floor: Proc[] }> {
  const out = { mf: [] as Proc[], floor: [] as Proc[] };
  for (let run = 0; run < runs; run++) {
    const m = await step("meterflow", CLI, mf, run, cwd);
    const f = await step("floor", FLOOR, floor, run, cwd);
    out.mf.push(m.proc);
    out.floor.push(f.proc);
    console.log(`  run ${run + 1}  meterflow ${m.proc.seconds.toFixed(2)} s ${mib(m.proc.rssMiB)}  |  floor ${f.proc.seconds.toFixed(2)} s ${mib(f.proc.rssMiB)}` +
      (m.note ? `\n         ${m.note}` : ""));
  }
  return out;
}

/** One `meterflow` command line of a comparison and its runs (compareThreads). */
export interface Variant {
  /** What the command line adds (" --threads 2"), or "" as the shape gives it. */
  label: string;
  runs: { mf: Proc[]; floor: Proc[] };
}

/**
 * compare(), with each timed run of meterflow once per thread count of `--threads LIST`
 * (`meterflow run ... --threads N`, alternating within each run, then the floor once), or once as
 * the shape gives it when the bench has no --threads.
 */
export async function compareThreads(ctx: Context, mf: Side, floor: Side): Promise<Variant[]> {
  if (ctx.threads === undefined) return [{ label: "", runs: await compare(ctx.runs, ctx.ws.root, mf, floor) }];
  const variants = ctx.threads.map((t) => ({ threads: t, label: ` --threads ${t}`, runs: { mf: [] as Proc[], floor: [] as Proc[] } }));
  for (let run = 0; run < ctx.runs; run++) {
    const line: string[] = [];
    for (const v of variants) {
      const m = await step(`meterflow${v.label}`, CLI, { ...mf, args: (r) => [...mf.args(r), "--threads", String(v.threads)] }, run, ctx.ws.root);
      v.runs.mf.push(m.proc);
      line.push(`meterflow${v.label} ${m.proc.seconds.toFixed(2)} s ${mib(m.proc.rssMiB)} (CPU ${m.proc.cpuSeconds.toFixed(2)} s)`);
    }
    const f = await step("floor", FLOOR, floor, run, ctx.ws.root);
    for (const v of variants) v.runs.floor.push(f.proc);
    console.log(`  run ${run + 1}  ${line.join("  |  ")}  |  floor ${f.proc.seconds.toFixed(2)} s ${mib(f.proc.rssMiB)}`);
  }
  return variants;
}

const SYNC = existsSync("/bin/sync") ? "/bin/sync" : undefined;

/**
 * Writes every dirty page back before a timed run (untimed), so that each process starts on a
 * machine at rest, as a utility's nightly run does. Else the run's first fsync (SQLite opening
 * its WAL; on ext4 a journal commit takes every file's dirty data with it) pays for the writes
 * of the runs and copies before it: a 10-reading run of shape (b) took 0.66-0.95 s after a fresh
 * copy of the state, 0.45 s after a sync. The floor never fsyncs; it is settled the same way.
 */
function settleDisk(): void {
  if (SYNC !== undefined) spawnSync(SYNC, { stdio: "ignore" });
}

/** Runs one side once and checks it; a non-zero exit is a ShapeFailure with its output. */
export async function step(name: string, script: string, side: Side, run: number, cwd: string): Promise<{ proc: Proc; note: string }> {
  side.prepare?.(run);
  settleDisk();
  const proc = await timedNode([script, ...side.args(run)], cwd, side.outDir?.(run));
  if (proc.code !== 0) {
    const how = proc.signal !== null ? `was killed by ${proc.signal}` : `exited with status ${proc.code}`;
    throw new ShapeFailure(`${name} ${how} after ${proc.seconds.toFixed(1)} s: ${tail(proc.stderr || proc.stdout) || "(no output)"}`);
  }
  return { proc, note: side.check?.(proc, run) ?? "" };
}

/** The table row of a comparison; `met` judges the medians. */
export function row(shape: string, goal: string, rows: number, runs: { mf: Proc[]; floor: Proc[] }, met: (r: Row) => string): Row {
  const r: Row = {
    shape, goal, rows,
    seconds: median(runs.mf.map((p) => p.seconds)),
    rssMiB: median(runs.mf.map((p) => p.rssMiB)),
    maxRssMiB: Math.max(...runs.mf.map((p) => p.rssMiB)),
    floorSeconds: median(runs.floor.map((p) => p.seconds)),
    floorRssMiB: median(runs.floor.map((p) => p.rssMiB)),
    met: "",
  };
  r.met = met(r);
  console.log(`  median: meterflow ${r.seconds.toFixed(2)} s = ${rate(rows / r.seconds)} rows/s, peak RSS ${mib(r.rssMiB)} (max ${mib(r.maxRssMiB)}); ` +
    `floor ${r.floorSeconds.toFixed(2)} s, ${mib(r.floorRssMiB)}; meterflow/floor ${(r.seconds / r.floorSeconds).toFixed(1)}x; goal ${goal}: ${r.met}`);
  return r;
}

export const mib = (x: number): string => (Number.isNaN(x) ? "? MiB" : `${Math.round(x)} MiB`);
export const rate = (perSecond: number): string =>
  perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)}M` : perSecond >= 1e3 ? `${(perSecond / 1e3).toFixed(1)}k` : perSecond.toFixed(perSecond < 10 ? 2 : 1);

/** Where a shape benchmark keeps its files: one temp directory, removed at the end. */
export class Workspace {
  readonly root = join(tmpdir(), `meterflow-shapes-${process.pid}`);
  constructor() {
    mkdirSync(this.root, { recursive: true });
  }
  path(name: string): string {
    return join(this.root, name);
  }
  /** An empty directory `name` (removed first if present). */
  emptyDir(name: string): string {
    const dir = this.path(name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Seconds of a synchronous step, printed as "  label: N s". */
export function timedStep<T>(label: string, fn: () => T): T {
  const t = performance.now();
  const value = fn();
  console.log(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return value;
}

/** What every shape gets: the workspace and the number of timed runs. */
export interface Context {
  ws: Workspace;
  runs: number;
  /** `--threads 1,2`: the run shapes' meterflow once per thread count (compareThreads). */
  threads?: number[];
}

/** A shape: its key for --only, its name and goal for the table, and its benchmark. */
export interface Shape {
  key: string;
  name: string;
  goal: string;
  /** Opt-in: runs only when named in --only. */
  heavy?: boolean;
  run(ctx: Context): Promise<Row[]>;
}
