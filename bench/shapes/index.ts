// Whole-process benchmarks of the shapes users have (issue 12): each shape runs the meterflow CLI
// as a child process (spawn -> exit) several times beside a plain-JS floor doing the same job
// naively on the same files, and reports median seconds, rows/s and peak RSS; a table at the end.
//   npm run bench:shapes                     (a, b, c, d, h, i; 3 runs each)
//   node --expose-gc dist/bench/shapes/index.js [--only a,b,c,d,e,f,g,h,i] [--runs N] [--threads 1,2]
// --threads LIST runs meterflow in the run shapes (a, c) once per thread count in each timed run
// (`meterflow run ... --threads N`, alternating), a table row each.
// Shapes e ((a) and (c) on PostgreSQL, MF_BENCH_POSTGRES_URL, default the local server), f
// (10M meters) and g (late readings against a 30-night ledger) are opt-in: they run only when
// named in --only. Data lives in a temp directory, removed at the end; nothing is written to the
// repository.
import { parseArgs } from "node:util";
import { backlog, backlogInDays } from "./backlog.js";
import { huge } from "./huge.js";
import { importShape } from "./import.js";
import { late } from "./late.js";
import { mib, rate, RSS_SOURCE, ShapeFailure, Workspace } from "./lib.js";
import type { Row, Shape } from "./lib.js";
import { nightly } from "./nightly.js";
import { postgresShape } from "./postgres.js";
import { small } from "./small.js";
import { split } from "./split.js";

const SHAPES: Shape[] = [nightly, small, backlog, importShape, split, backlogInDays, postgresShape, huge, late];

const { values } = parseArgs({ options: { only: { type: "string" }, runs: { type: "string", default: "3" }, threads: { type: "string" } } });
const threads = values.threads?.split(",").map(Number);
if (threads !== undefined && threads.some((t) => !Number.isInteger(t) || t < 0)) throw new Error(`--threads takes thread counts such as 1,2, got ${values.threads}`);
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const keys = values.only === undefined ? SHAPES.filter((s) => !s.heavy).map((s) => s.key) : values.only.split(",").map((k) => k.trim());
const unknown = keys.filter((k) => !SHAPES.some((s) => s.key === k));
if (unknown.length > 0) throw new Error(`unknown shape ${unknown.join(",")}: choose from ${SHAPES.map((s) => s.key).join(",")}`);

const ws = new Workspace();
process.on("SIGINT", () => {
  ws.remove();
  process.exit(130);
});
console.log(`meterflow shapes: ${keys.join(",")}, ${runs} timed runs each (meterflow and floor alternating), node ${process.version}; ` +
  `whole process spawn -> exit; peak RSS from ${RSS_SOURCE}; files in ${ws.root}`);

const rows: Row[] = [];
try {
  for (const shape of SHAPES.filter((s) => keys.includes(s.key))) {
    try {
      rows.push(...(await shape.run({ ws, runs, threads })));
    } catch (error) {
      if (!(error instanceof ShapeFailure)) throw error;
      console.log(`  FAILED: ${error.message}`);
      rows.push({ shape: shape.name, goal: shape.goal, rows: 0, seconds: NaN, rssMiB: NaN, maxRssMiB: NaN, floorSeconds: NaN, floorRssMiB: NaN, met: "failed", error: error.message });
    }
    globalThis.gc?.();
  }
} finally {
  ws.remove();
}

const header = ["shape", "goal", "median s", "rows/s", "peak RSS MiB", "floor s", "floor RSS MiB", "meterflow/floor", "goal met"];
const cells = rows.map((r) => r.error !== undefined
  ? [r.shape, r.goal, "-", "-", "-", "-", "-", "-", "FAILED (see above)"]
  : [r.shape, r.goal, r.seconds.toFixed(2), rate(r.rows / r.seconds), mib(r.rssMiB).replace(" MiB", ""), r.floorSeconds.toFixed(2),
    mib(r.floorRssMiB).replace(" MiB", ""), `${(r.seconds / r.floorSeconds).toFixed(1)}x`, r.met]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c: string[]) => c.map((x, i) => (i < 2 || i === 8 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ").trimEnd();
console.log(`\nmedians of ${runs} runs (rows: readings for run shapes, meters for imports; peak RSS median of the runs)`);
console.log(line(header));
for (const c of cells) console.log(line(c));
for (const r of rows) if (r.error !== undefined) console.log(`${r.shape}: ${r.error}`);
