// Shape (d), registry import: `meterflow meters import` of the 1M-meter registry (the one of (a))
// into a fresh state file every run:
//   meterflow meters import --db fresh.db registry-1m.csv
// Shape (f) uses the same for its 10M-meter registry.
import { compare, rate, removeState, row, ShapeFailure } from "./lib.js";
import type { Context, Row, Shape } from "./lib.js";
import { MILLION, millionFiles } from "./nightly.js";

/** Times importing `registry` (`meters` rows) into a fresh `db`; the db of the last run is kept. */
export async function importInto(ctx: Context, name: string, goal: string, limitSeconds: number, registry: string, meters: number, db: string): Promise<Row> {
  const runs = await compare(ctx.runs, ctx.ws.root, {
    prepare: () => removeState(db),
    args: () => ["meters", "import", "--db", db, registry],
    check: (p) => {
      const line = p.stdout.split("\n")[0];
      const inserted = Number(/^meters: ([\d,]+) inserted/.exec(line)?.[1].replaceAll(",", ""));
      if (inserted !== meters) throw new ShapeFailure(`meters import printed "${line}", expected ${meters} inserted`);
      return line;
    },
  }, { args: () => [ctx.ws.path(`floor-${name[0]}-import.csv`), registry] });
  return row(name, goal, meters, runs, (r) => (!Number.isFinite(limitSeconds) ? "(figures only)" : r.seconds < limitSeconds ? "yes" : `no (${r.seconds.toFixed(1)} s, ${rate(meters / r.seconds)} meters/s)`));
}

export const importShape: Shape = {
  key: "d",
  name: "d meters import 1M",
  goal: "< 2 s",
  async run(ctx) {
    console.log(`\n(d) registry import: ${MILLION.toLocaleString("en")} meters (half with a baseline) into a fresh state each run` +
      `\n    meterflow meters import --db fresh.db registry-1m.csv` +
      `\n    floor: reads the registry, keys each meter in a Map, one line out per meter`);
    const f = millionFiles(ctx);
    const db = ctx.ws.path("import-1m.db");
    const r = await importInto(ctx, this.name, this.goal, 2, f.registry, MILLION, db);
    removeState(db);
    return [r];
  },
};
