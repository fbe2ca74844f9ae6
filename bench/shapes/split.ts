// Shape (h), a night in several files: shape (a)'s second night as it often arrives, one file per
// collector or region: night2.csv cut into 8 files of 125,000 readings (in file order), given to
// one run. Timed on a fresh copy of the night-1 state, beside the floor on the same 8 files. The
// run routes the files' rows together (a window spans files), so the night is decided in the
// batches of one file: compare with (a) to see what the split still costs. (Until the files were
// routed together, each file's batches touched every bucket: 2.4 times (a).)
//   meterflow run --meters registry.csv --db state.db --out out/ night2-1.csv ... night2-8.csv
import { cutFile, row } from "./lib.js";
import type { Context, Shape } from "./lib.js";
import { MILLION, millionFiles, nightlyMet, timeNight2 } from "./nightly.js";

const FILES = 8;

/** night2.csv cut into FILES files with its header each, written once per process. */
let parts: string[] | undefined;
function splitNight(ctx: Context, night2: string): string[] {
  return (parts ??= cutFile(night2, MILLION / FILES, (k) => ctx.ws.path(`night2-${k + 1}.csv`)));
}

export const split: Shape = {
  key: "h",
  name: "h nightly 1M in 8 files",
  goal: "as (a)",
  async run(ctx) {
    console.log(`\n(h) a night in ${FILES} files: shape (a)'s night 2 cut into ${FILES} files of ${(MILLION / FILES).toLocaleString("en")} readings, one run` +
      `\n    meterflow run --meters registry-1m.csv --db state.db --out out/ night2-1.csv ... night2-${FILES}.csv` +
      `\n    floor: Map seeded from night1.csv, reads the ${FILES} files, one line out per reading`);
    const { variants } = await timeNight2(ctx, "h", splitNight(ctx, millionFiles(ctx).night2));
    return variants.map((v) => row(this.name + v.label, this.goal, MILLION, v.runs, nightlyMet));
  },
};
