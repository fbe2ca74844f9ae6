// Shape (f), opt-in (--only f): a 10,000,000-meter registry. Imported into a fresh state each run
// (seconds and peak RSS), then shape (b) against the imported state: 10 readings, whole process.
//   meterflow meters import --db fresh.db registry-10m.csv
//   meterflow run --db state.db --out out/ small-10m.csv
// Its files (about 0.5 GB of CSV plus the state copies) are deleted when it ends.
import { rmSync } from "node:fs";
import { Fleet, removeState, timedStep } from "./lib.js";
import type { Shape } from "./lib.js";
import { importInto } from "./import.js";
import { smallAgainst } from "./small.js";

const METERS = 10_000_000;

export const huge: Shape = {
  key: "f",
  name: "f 10M meters",
  goal: "import: report; 10 readings < 1 s",
  heavy: true,
  async run(ctx) {
    console.log(`\n(f) 10M-meter registry (half with a baseline of 2026-11-28): import into a fresh state each run` +
      `\n    meterflow meters import --db fresh.db registry-10m.csv` +
      `\n    floor: reads the registry, keys each meter in a Map, one line out per meter`);
    const registry = ctx.ws.path("registry-10m.csv");
    const small = ctx.ws.path("small-10m.csv");
    const db = ctx.ws.path("import-10m.db");
    try {
      timedStep("writing registry-10m.csv and 10 readings of 2026-11-29", () => {
        const fleet = new Fleet(METERS, 10);
        fleet.writeRegistry(registry, "2026-11-28");
        fleet.writeSome(small, 10, "2026-11-29");
      });
      const imported = await importInto(ctx, "f import 10M", "report (s, RSS)", Infinity, registry, METERS, db);
      console.log(`\n(f) 10 readings against the imported 10M-meter state; fresh copy each run` +
        `\n    meterflow run --db state.db --out out/ small-10m.csv` +
        `\n    floor: Map seeded from the 10M registry's baselines, reads the 10 readings`);
      const smallRow = await smallAgainst(ctx, "f 10 readings, 10M state", "< 1 s", 1, db, small, registry);
      return [imported, smallRow];
    } finally {
      removeState(db);
      removeState(ctx.ws.path("small-f.db"));
      rmSync(registry, { force: true });
      rmSync(ctx.ws.path("floor-f-import.csv"), { force: true });
    }
  },
};
