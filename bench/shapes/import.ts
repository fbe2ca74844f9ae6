// Shape (d), registry import: `meterflow meters import` of the 1M-meter registry (the one of (a))
// into a fresh state file every run:
//   meterflow meters import --db fresh.db registry-1m.csv
// With MF_BENCH_POSTGRES_URL (e.g. postgres://127.0.0.1:5432/test) the same import into a fresh
// PostgreSQL schema every run is a second row (schemas dropped after):
//   meterflow meters import --db "postgres://...?schema=mf_bench_..." registry-1m.csv
// Shape (f) uses the same for its 10M-meter registry.
import pg from "pg";
import { dropSchemas } from "../lib/postgres.js";
import { compare, rate, removeState, row, ShapeFailure } from "./lib.js";
import type { Context, Proc, Row, Shape } from "./lib.js";
import { MILLION, millionFiles } from "./nightly.js";

/** Checks the import's line: `meters: 1,000,000 inserted, ...`. */
function checkImport(meters: number) {
  return (p: Proc) => {
    const line = p.stdout.split("\n")[0];
    const inserted = Number(/^meters: ([\d,]+) inserted/.exec(line)?.[1].replaceAll(",", ""));
    if (inserted !== meters) throw new ShapeFailure(`meters import printed "${line}", expected ${meters} inserted`);
    return line;
  };
}

const met = (limitSeconds: number, meters: number) => (r: Row) =>
  !Number.isFinite(limitSeconds) ? "(figures only)" : r.seconds < limitSeconds ? "yes" : `no (${r.seconds.toFixed(1)} s, ${rate(meters / r.seconds)} meters/s)`;

/** Times importing `registry` (`meters` rows) into a fresh `db`; the db of the last run is kept. */
export async function importInto(ctx: Context, name: string, goal: string, limitSeconds: number, registry: string, meters: number, db: string): Promise<Row> {
  const runs = await compare(ctx.runs, ctx.ws.root, {
    prepare: () => removeState(db),
    args: () => ["meters", "import", "--db", db, registry],
    check: checkImport(meters),
  }, { args: () => [ctx.ws.path(`floor-${name[0]}-import.csv`), registry] });
  return row(name, goal, meters, runs, met(limitSeconds, meters));
}

/** The same into a fresh schema of the PostgreSQL at `url` every run; the schemas are dropped after. */
export async function importIntoPostgres(ctx: Context, name: string, goal: string, limitSeconds: number, registry: string, meters: number, url: string): Promise<Row> {
  const schemas: string[] = [];
  const schemaOf = (run: number) => `mf_bench_import_${process.pid}_${run}`;
  try {
    const runs = await compare(ctx.runs, ctx.ws.root, {
      prepare: (run) => {
        schemas.push(schemaOf(run));
      },
      args: (run) => ["meters", "import", "--db", `${url}${url.includes("?") ? "&" : "?"}schema=${schemaOf(run)}`, registry],
      check: checkImport(meters),
    }, { args: () => [ctx.ws.path(`floor-${name[0]}-import-pg.csv`), registry] });
    return row(name, goal, meters, runs, met(limitSeconds, meters));
  } finally {
    await dropSchemas(url, schemas);
  }
}

export const importShape: Shape = {
  key: "d",
  name: "d meters import 1M",
  goal: "< 2 s",
  async run(ctx) {
    const postgres = process.env.MF_BENCH_POSTGRES_URL;
    console.log(`\n(d) registry import: ${MILLION.toLocaleString("en")} meters (half with a baseline) into a fresh state each run` +
      `\n    meterflow meters import --db fresh.db registry-1m.csv` +
      (postgres === undefined ? "\n    (MF_BENCH_POSTGRES_URL=postgres://... adds the same into a fresh PostgreSQL schema)" : `\n    and into a fresh schema of ${postgres}`) +
      `\n    floor: reads the registry, keys each meter in a Map, one line out per meter`);
    const f = millionFiles(ctx);
    const db = ctx.ws.path("import-1m.db");
    const rows = [await importInto(ctx, this.name, this.goal, 2, f.registry, MILLION, db)];
    removeState(db);
    if (postgres !== undefined) rows.push(await importIntoPostgres(ctx, "d meters import 1M, PostgreSQL", "fast as it goes", Infinity, f.registry, MILLION, postgres));
    return rows;
  },
};
