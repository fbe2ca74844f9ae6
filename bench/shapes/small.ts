// Shape (b), a small run against a big state: 10 readings against the 1M-meter state that (a)'s
// night 2 left, whole process from spawn to exit, each run on a fresh copy of that state:
//   meterflow run --db state.db --out out/ small.csv
// (no --meters: the registry is in the state file). Shape (f) runs the same against 10M meters.
import { compare, copyState, describeRun, row, ShapeFailure } from "./lib.js";
import type { Context, Row, Shape } from "./lib.js";
import { millionFiles, night2State } from "./nightly.js";

/** Times `small` (10 readings) against copies of `state`; the floor seeds its Map from `seed`. */
export async function smallAgainst(ctx: Context, name: string, goal: string, limitSeconds: number, state: string, small: string, seed: string): Promise<Row> {
  const db = ctx.ws.path(`small-${name[0]}.db`);
  const out = (run: number) => ctx.ws.path(`out-${name[0]}-small-${run}`);
  const runs = await compare(ctx.runs, ctx.ws.root, {
    prepare: (run) => {
      copyState(state, db);
      ctx.ws.emptyDir(`out-${name[0]}-small-${run}`);
    },
    args: (run) => ["run", "--db", db, "--out", out(run), small],
    outDir: out,
    check: (_p, run) => {
      const c = describeRun(out(run), 10);
      if (!c.ok) throw new ShapeFailure(c.text);
      return c.text;
    },
  }, { args: () => [ctx.ws.path(`floor-${name[0]}-small.csv`), "--seed", seed, small] });
  return row(name, goal, 10, runs, (r) => (r.seconds < limitSeconds ? "yes" : `no (${r.seconds.toFixed(2)} s)`));
}

export const small: Shape = {
  key: "b",
  name: "b 10 readings, 1M state",
  goal: "< 0.5 s",
  async run(ctx) {
    console.log(`\n(b) 10 readings (2026-12-01, meters spread over the fleet) against the 1M-meter state after night 2; fresh copy each run` +
      `\n    meterflow run --db state.db --out out/ small-1m.csv` +
      `\n    floor: Map seeded from night2.csv (1M lines), reads the 10 readings, one line out per reading`);
    const f = millionFiles(ctx);
    const state = await night2State(ctx);
    return [await smallAgainst(ctx, this.name, this.goal, 0.5, state, f.small, f.night2)];
  },
};
