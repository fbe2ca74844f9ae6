// Shape (a), nightly: 1,000,000 registered meters (half with a registry baseline), one reading
// each per night. Night 1 runs once, untimed, to build the state; night 2 is timed, each run on
// a fresh copy of the night-1 state file, with the command line of the README:
//   meterflow run --meters registry.csv --db state.db --out out/ night2.csv
// (the registry is unchanged since night 1, so the run hashes it and skips the import).
// Also the 1M-meter files and states that shapes (b) and (d) reuse.
import { CLI, compareThreads, copyState, describeRun, Fleet, rate, row, ShapeFailure, step, timedStep } from "./lib.js";
import type { Context, Row, Shape, Variant } from "./lib.js";

export const MILLION = 1_000_000;

/** The 1M-meter fleet's files, written once per process. */
export interface MillionFiles {
  registry: string;
  night1: string;
  night2: string;
  /** 10 readings the day after night 2, for shape (b). */
  small: string;
}

let files: MillionFiles | undefined;
let night1: string | undefined;
let night2: string | undefined;

export function millionFiles(ctx: Context): MillionFiles {
  if (files !== undefined) return files;
  const { ws } = ctx;
  return timedStep("writing the 1M-meter registry, nights 2026-11-29 and 2026-11-30, and 10 readings of 2026-12-01", () => {
    const fleet = new Fleet(MILLION, 1);
    const f = { registry: ws.path("registry-1m.csv"), night1: ws.path("night1.csv"), night2: ws.path("night2.csv"), small: ws.path("small-1m.csv") };
    fleet.writeRegistry(f.registry, "2026-11-28");
    fleet.writeDays(f.night1, ["2026-11-29"]);
    fleet.writeDays(f.night2, ["2026-11-30"]);
    fleet.writeSome(f.small, 10, "2026-12-01");
    return (files = f);
  });
}

/** The state after night 1 (registry imported by the same run): built once, untimed. */
export async function night1State(ctx: Context): Promise<string> {
  if (night1 !== undefined) return night1;
  const f = millionFiles(ctx);
  const db = ctx.ws.path("after-night1.db");
  const out = ctx.ws.emptyDir("out-night1");
  const { proc } = await step("meterflow (night 1)", CLI, { args: () => ["run", "--meters", f.registry, "--db", db, "--out", out, f.night1] }, 0, ctx.ws.root);
  const check = describeRun(out, MILLION);
  if (!check.ok) throw new ShapeFailure(`night 1: ${check.text}`);
  console.log(`  night 1 (untimed, builds the state): ${proc.seconds.toFixed(2)} s; ${check.text}`);
  return (night1 = db);
}

/** The state after night 2: the one the timed runs of (a) left, or built here once. */
export async function night2State(ctx: Context): Promise<string> {
  if (night2 !== undefined) return night2;
  const f = millionFiles(ctx);
  const db = ctx.ws.path("after-night2.db");
  copyState(await night1State(ctx), db);
  const out = ctx.ws.emptyDir("out-night2");
  const { proc } = await step("meterflow (night 2)", CLI, { args: () => ["run", "--meters", f.registry, "--db", db, "--out", out, f.night2] }, 0, ctx.ws.root);
  console.log(`  night 2 (untimed, builds the state): ${proc.seconds.toFixed(2)} s; ${describeRun(out, MILLION).text}`);
  return (night2 = db);
}

/**
 * Night 2 timed: `inputs` given to one `meterflow run`, each run on a fresh copy of the night-1
 * state, alternating with the floor on the same files (seeded from night 1). Returns the runs and
 * the state the last run left (`db`).
 */
export async function timeNight2(ctx: Context, key: string, inputs: readonly string[]): Promise<{ variants: Variant[]; db: string }> {
  const f = millionFiles(ctx);
  const base = await night1State(ctx);
  const db = ctx.ws.path(`night2-${key}.db`);
  const out = (run: number) => ctx.ws.path(`out-${key}-${run}`);
  const variants = await compareThreads(ctx, {
    prepare: (run) => {
      copyState(base, db);
      ctx.ws.emptyDir(`out-${key}-${run}`);
    },
    args: (run) => ["run", "--meters", f.registry, "--db", db, "--out", out(run), ...inputs],
    outDir: out,
    check: (_p, run) => {
      const c = describeRun(out(run), MILLION);
      if (!c.ok) throw new ShapeFailure(`night 2 (${key}): ${c.text}`);
      return c.text;
    },
  }, { args: () => [ctx.ws.path(`floor-${key}.csv`), "--seed", f.night1, ...inputs] });
  return { variants, db };
}

/** Whether a night-2 run met the nightly goal (>= 1M/s, at least 0.5M/s, under 600 MiB). */
export function nightlyMet(r: Row): string {
  const perS = MILLION / r.seconds;
  const memory = r.rssMiB < 600 ? "" : `, RSS ${Math.round(r.rssMiB)} >= 600`;
  return perS >= 1e6 && memory === "" ? "yes" : perS >= 0.5e6 && memory === "" ? "minimum only" : `no (${rate(perS)}/s${memory})`;
}

export const nightly: Shape = {
  key: "a",
  name: "a nightly 1M",
  goal: ">= 1M/s (min 0.5M), < 600 MiB",
  async run(ctx) {
    console.log(`\n(a) nightly: ${MILLION.toLocaleString("en")} registered meters (half with a registry baseline), one reading each; ` +
      `night 2 timed on a fresh copy of the night-1 state\n    meterflow run --meters registry-1m.csv --db state.db --out out/ night2.csv` +
      `\n    floor: Map seeded from night1.csv, reads night2.csv, one line out per reading`);
    const { variants, db } = await timeNight2(ctx, "a", [millionFiles(ctx).night2]);
    // The last timed run's state is the after-night-2 state shape (b) uses.
    night2 = ctx.ws.path("after-night2.db");
    copyState(db, night2);
    return variants.map((v) => row(this.name + v.label, this.goal, MILLION, v.runs, nightlyMet));
  },
};
