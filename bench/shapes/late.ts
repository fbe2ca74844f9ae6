// Shape (g), opt-in (--only g): late readings against a long ledger. 100,000 meters read every
// night for 30 nights (2026-10-01 .. 10-30, a run each, untimed: the state a month of nightly
// runs leaves), then 1,000 readings of 2026-10-15 for meters spread over the fleet: 500 exact
// re-sends (duplicates) and 500 with another value (conflicts, held). Timed, each run on a fresh
// copy of that state:
//   meterflow run --db state.db --out out/ late.csv
// A late reading is placed against its meter's chain: what that costs should follow the nights
// since the late day, not the whole ledger (engine/store/ledger.ts readChains).
import { rmSync } from "node:fs";
import { CLI, compare, copyState, describeRun, Fleet, removeState, row, ShapeFailure, step, timedStep, writeLines } from "./lib.js";
import type { Shape } from "./lib.js";

const METERS = 100_000;
const NIGHTS = 30;
const LATE = 1_000;
/** The night the late readings are of (2026-10-15). */
const LATE_NIGHT = 14;

const dayOf = (night: number) => new Date(Date.UTC(2026, 9, 1 + night)).toISOString().slice(0, 10);

export const late: Shape = {
  key: "g",
  name: "g 1,000 late, 30 nights",
  goal: "report (cost of the nights since)",
  heavy: true,
  async run(ctx) {
    const { ws } = ctx;
    console.log(`\n(g) ${LATE.toLocaleString("en")} readings of ${dayOf(LATE_NIGHT)} (half exact re-sends, half another value) against the state ` +
      `${NIGHTS} nightly runs of ${METERS.toLocaleString("en")} meters left; fresh copy each run` +
      `\n    meterflow run --db state.db --out out/ late.csv` +
      `\n    floor: Map seeded from the ${NIGHTS} nights' files (every reading of the ledger), reads the late readings`);
    const nights = Array.from({ length: NIGHTS }, (_, n) => ws.path(`late-night-${n}.csv`));
    const registry = ws.path("late-registry.csv");
    const lateFile = ws.path("late.csv");
    const base = ws.path("late-30.db");
    const db = ws.path("late-run.db");
    try {
      timedStep(`writing the registry, ${NIGHTS} nights and ${LATE.toLocaleString("en")} late readings`, () => {
        const fleet = new Fleet(METERS, 30);
        fleet.writeRegistry(registry, dayOf(-1));
        let then: Uint32Array | undefined;
        nights.forEach((path, n) => {
          fleet.writeDays(path, [dayOf(n)]);
          if (n === LATE_NIGHT) then = Uint32Array.from(fleet.values);
        });
        const step = Math.floor(METERS / LATE);
        writeLines(lateFile, "meter_id,end,value", LATE, (k) => `${fleet.id(k * step)},${dayOf(LATE_NIGHT)},${then![k * step] + (k & 1)}\n`);
      });
      const built = performance.now();
      for (let n = 0; n < NIGHTS; n++) {
        const out = ws.emptyDir("out-g-build");
        await step(`meterflow (night ${n + 1})`, CLI, { args: () => ["run", ...(n === 0 ? ["--meters", registry] : []), "--db", base, "--out", out, nights[n]] }, 0, ws.root);
      }
      console.log(`  ${NIGHTS} nightly runs (untimed, build the state): ${((performance.now() - built) / 1000).toFixed(1)} s`);
      const out = (run: number) => ws.path(`out-g-${run}`);
      const runs = await compare(ctx.runs, ws.root, {
        prepare: (run) => {
          copyState(base, db);
          ws.emptyDir(`out-g-${run}`);
        },
        args: (run) => ["run", "--db", db, "--out", out(run), lateFile],
        outDir: out,
        check: (_p, run) => {
          const c = describeRun(out(run), LATE);
          if (!c.ok) throw new ShapeFailure(c.text);
          return c.text;
        },
      }, { args: () => [ws.path("floor-g.csv"), ...nights.flatMap((path) => ["--seed", path]), lateFile] });
      return [row(this.name, this.goal, LATE, runs, () => "reported")];
    } finally {
      for (const path of [...nights, registry, lateFile]) rmSync(path, { force: true });
      removeState(base);
      removeState(db);
    }
  },
};
