// Shape (e), opt-in (--only e): shapes (a) and (c) with PostgreSQL as the store, the same command
// lines with `--db postgres://...?schema=...` (issue 12: >= 0.5M readings/s). Every timed run
// gets a fresh schema: the nightly one has night 1 run into it first (untimed, like (a)'s state
// copy), the backlog one imports its registry in the run, as (c) does. The schemas are dropped
// after. The server is MF_BENCH_POSTGRES_URL (default postgres://127.0.0.1:5432/test); its CPU
// time is not in the process's seconds, only in the wall clock.
//   MF_BENCH_POSTGRES_URL=postgres://... node --expose-gc dist/bench/shapes/index.js --only e
import { spawnSync } from "node:child_process";
import { dropSchemas } from "../lib/postgres.js";
import { BACKLOG_READINGS, backlogFiles } from "./backlog.js";
import { CLI, compare, describeRun, rate, row, ShapeFailure, tail } from "./lib.js";
import type { Context, Row, Shape } from "./lib.js";
import { MILLION, millionFiles } from "./nightly.js";

const met = (readings: number) => (r: Row) => (readings / r.seconds >= 0.5e6 ? "yes" : `no (${rate(readings / r.seconds)}/s)`);

/** `url` with `schema` set. */
function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("schema", schema);
  return u.href;
}

/** One shape's command line on PostgreSQL: a fresh schema per timed run, `seed` filling it first (untimed). */
interface OnPostgres {
  name: string;
  key: string;
  readings: number;
  /** The run's arguments after `run` (`--db` and `--out` are added). */
  args: string[];
  floorArgs: string[];
  seed?: (db: string, run: number) => void;
}

async function onPostgres(ctx: Context, url: string, shape: OnPostgres): Promise<Row> {
  const schemas: string[] = [];
  const db = (run: number) => withSchema(url, `mf_bench_${shape.key}_${process.pid}_${run}`);
  const out = (run: number) => ctx.ws.path(`out-e-${shape.key}-${run}`);
  console.log(`\n(e) ${shape.name}\n    meterflow run ${shape.args.slice(0, -1).join(" ")} --db "${withSchema(url, "...")}" --out out/ ${shape.args.at(-1)}`);
  try {
    const runs = await compare(ctx.runs, ctx.ws.root, {
      prepare: (run) => {
        schemas.push(new URL(db(run)).searchParams.get("schema")!);
        shape.seed?.(db(run), run);
        ctx.ws.emptyDir(`out-e-${shape.key}-${run}`);
      },
      args: (run) => ["run", ...shape.args.slice(0, -1), "--db", db(run), "--out", out(run), shape.args.at(-1)!],
      outDir: out,
      check: (_p, run) => {
        const c = describeRun(out(run), shape.readings);
        if (!c.ok) throw new ShapeFailure(`${shape.name}: ${c.text}`);
        return c.text;
      },
    }, { args: () => shape.floorArgs });
    return row(`e ${shape.name}`, ">= 0.5M/s", shape.readings, runs, met(shape.readings));
  } finally {
    await dropSchemas(url, schemas);
  }
}

function nightlyOnPostgres(ctx: Context, url: string): Promise<Row> {
  const f = millionFiles(ctx);
  return onPostgres(ctx, url, {
    name: "nightly 1M, PostgreSQL", key: "nightly", readings: MILLION, args: ["--meters", f.registry, f.night2],
    floorArgs: [ctx.ws.path("floor-e-a.csv"), "--seed", f.night1, f.night2],
    // Night 1 into the run's schema first, as (a) copies the night-1 state.
    seed: (db, run) => {
      const night1 = spawnSync(process.execPath, [CLI, "run", "--meters", f.registry, "--db", db, "--out", ctx.ws.emptyDir(`out-e-n1-${run}`), f.night1],
        { cwd: ctx.ws.root, encoding: "utf8" });
      if (night1.status !== 0) throw new ShapeFailure(`night 1 on PostgreSQL: ${tail(night1.stderr || night1.stdout)}`);
    },
  });
}

function backlogOnPostgres(ctx: Context, url: string): Promise<Row> {
  const { registry, readings } = backlogFiles(ctx);
  return onPostgres(ctx, url, {
    name: "backlog 200k x 10d, PostgreSQL", key: "backlog", readings: BACKLOG_READINGS, args: ["--meters", registry, readings],
    floorArgs: [ctx.ws.path("floor-e-c.csv"), "--seed", registry, readings],
  });
}

export const postgresShape: Shape = {
  key: "e",
  name: "e on PostgreSQL",
  goal: ">= 0.5M/s",
  heavy: true,
  async run(ctx) {
    const url = process.env.MF_BENCH_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test";
    return [await nightlyOnPostgres(ctx, url), await backlogOnPostgres(ctx, url)];
  },
};
