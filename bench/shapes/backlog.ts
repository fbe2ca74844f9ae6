// Shape (c), backlog: 200,000 meters x 10 days (2026-11-21 .. 2026-11-30) in one CSV, day after
// day (ten nightly files concatenated), with the registry (half with a baseline of 2026-11-20)
// imported by the same run, on a fresh state every run:
//   meterflow run --meters registry-200k.csv --db fresh.db --out out/ backlog.csv
import { compareThreads, describeRun, Fleet, rate, removeState, row, ShapeFailure, timedStep } from "./lib.js";
import type { Context, Row, Shape } from "./lib.js";

const METERS = 200_000;
const DAYS = Array.from({ length: 10 }, (_, d) => `2026-11-${String(21 + d).padStart(2, "0")}`);
export const BACKLOG_READINGS = METERS * DAYS.length;

let files: { registry: string; readings: string } | undefined;

/** The backlog's registry and readings, written once per process (shape (e) reuses them). */
export function backlogFiles(ctx: Context): { registry: string; readings: string } {
  if (files !== undefined) return files;
  const f = { registry: ctx.ws.path("registry-200k.csv"), readings: ctx.ws.path("backlog.csv") };
  timedStep(`writing registry-200k.csv and backlog.csv`, () => {
    const fleet = new Fleet(METERS, 3);
    fleet.writeRegistry(f.registry, "2026-11-20");
    fleet.writeDays(f.readings, DAYS);
  });
  return (files = f);
}

export const backlog: Shape = {
  key: "c",
  name: "c backlog 200k x 10d",
  goal: ">= 1M/s",
  async run(ctx) {
    console.log(`\n(c) backlog: ${METERS.toLocaleString("en")} meters x ${DAYS.length} days = ${BACKLOG_READINGS.toLocaleString("en")} readings in one CSV ` +
      `(day after day), registry imported in the same run, fresh state each run` +
      `\n    meterflow run --meters registry-200k.csv --db fresh.db --out out/ backlog.csv` +
      `\n    floor: Map seeded from the registry's baselines, reads backlog.csv, one line out per reading`);
    const { registry, readings } = backlogFiles(ctx);
    const db = ctx.ws.path("backlog.db");
    const out = (run: number) => ctx.ws.path(`out-c-${run}`);
    const variants = await compareThreads(ctx, {
      prepare: (run) => {
        removeState(db);
        ctx.ws.emptyDir(`out-c-${run}`);
      },
      args: (run) => ["run", "--meters", registry, "--db", db, "--out", out(run), readings],
      outDir: out,
      check: (_p, run) => {
        const c = describeRun(out(run), BACKLOG_READINGS);
        if (!c.ok) throw new ShapeFailure(c.text);
        return c.text;
      },
    }, { args: () => [ctx.ws.path("floor-c.csv"), "--seed", registry, readings] });
    removeState(db);
    const met = (r: Row) => (BACKLOG_READINGS / r.seconds >= 1e6 ? "yes" : `no (${rate(BACKLOG_READINGS / r.seconds)}/s)`);
    return variants.map((v) => row(this.name + v.label, this.goal, BACKLOG_READINGS, v.runs, met));
  },
};
