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

async function nightlyOnPostgres(ctx: Context, url: string): Promise<Row> {
  const f = millionFiles(ctx);
  const schemas: string[] = [];
  const db = (run: number) => withSchema(url, `mf_bench_nightly_${process.pid}_${run}`);
  const out = (run: number) => ctx.ws.path(`out-e-a-${run}`);
  console.log(`\n(e) nightly on PostgreSQL: (a)'s files; each run's schema gets night 1 first (untimed)` +
    `\n    meterflow run --meters registry-1m.csv --db "${withSchema(url, "...")}" --out out/ night2.csv`);
  try {
    const runs = await compare(ctx.runs, ctx.ws.root, {
      prepare: (run) => {
        schemas.push(new URL(db(run)).searchParams.get("schema")!);
        const night1 = spawnSync(process.execPath, [CLI, "run", "--meters", f.registry, "--db", db(run), "--out", ctx.ws.emptyDir(`out-e-n1-${run}`), f.night1],
          { cwd: ctx.ws.root, encoding: "utf8" });
        if (night1.status !== 0) throw new ShapeFailure(`night 1 on PostgreSQL: ${tail(night1.stderr || night1.stdout)}`);
        ctx.ws.emptyDir(`out-e-a-${run}`);
      },
      args: (run) => ["run", "--meters", f.registry, "--db", db(run), "--out", out(run), f.night2],
      outDir: out,
      check: (_p, run) => {
        const c = describeRun(out(run), MILLION);
        if (!c.ok) throw new ShapeFailure(`night 2 on PostgreSQL: ${c.text}`);
        return c.text;
      },
    }, { args: () => [ctx.ws.path("floor-e-a.csv"), "--seed", f.night1, f.night2] });
    return row("e nightly 1M, PostgreSQL", ">= 0.5M/s", MILLION, runs, met(MILLION));
  } finally {
    await dropSchemas(url, schemas);
  }
}

async function backlogOnPostgres(ctx: Context, url: string): Promise<Row> {
  const { registry, readings } = backlogFiles(ctx);
  const schemas: string[] = [];
  const db = (run: number) => withSchema(url, `mf_bench_backlog_${process.pid}_${run}`);
  const out = (run: number) => ctx.ws.path(`out-e-c-${run}`);
  console.log(`\n(e) backlog on PostgreSQL: (c)'s files, a fresh schema each run` +
    `\n    meterflow run --meters registry-200k.csv --db "${withSchema(url, "...")}" --out out/ backlog.csv`);
  try {
    const runs = await compare(ctx.runs, ctx.ws.root, {
      prepare: (run) => {
        schemas.push(new URL(db(run)).searchParams.get("schema")!);
        ctx.ws.emptyDir(`out-e-c-${run}`);
      },
      args: (run) => ["run", "--meters", registry, "--db", db(run), "--out", out(run), readings],
      outDir: out,
      check: (_p, run) => {
        const c = describeRun(out(run), BACKLOG_READINGS);
        if (!c.ok) throw new ShapeFailure(`backlog on PostgreSQL: ${c.text}`);
        return c.text;
      },
    }, { args: () => [ctx.ws.path("floor-e-c.csv"), "--seed", registry, readings] });
    return row("e backlog 200k x 10d, PostgreSQL", ">= 0.5M/s", BACKLOG_READINGS, runs, met(BACKLOG_READINGS));
  } finally {
    await dropSchemas(url, schemas);
  }
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
