// `meterflow demo`: generates a realistic data set (a fleet of meters with daily profiles,
// rollovers, overrides, a meter exchange, back-dated, duplicate and bad rows), runs it through
// `meterflow run` on a fresh SQLite state (or the store --db names) and prints what happened.
// The demo's data generators are loaded only by this command: they stay out of the import
// graph of every other command (meterflow run loads none of them).
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseOptions } from "../args.js";
import { MIN_DAYS, MIN_METERS } from "../../demo/limits.js";
import { runFiles } from "../../runtime/index.js";
import { prepareOutDir } from "../../sinks/out-dir.js";
import { checkStoreLocation } from "../../store/location.js";
import { UsageError } from "../errors.js";
import { progress } from "../progress.js";
import { formatTable } from "../table.js";
import { summaryTable } from "./run-summary.js";
import { count as grouped } from "../count.js";

export const DEMO_HELP = `Usage: meterflow demo [--dir DIR] [--meters N] [--days N] [--db FILE|URL]

Options:
  --dir DIR     where the data set, its state and its outputs go (default ./meterflow-demo)
  --meters N    meters in the registry, at least ${MIN_METERS} (default 3000)
  --days N      days of readings, at least ${MIN_DAYS} (default 60)
  --db FILE|URL the store to run into, as it is: an SQLite file or postgres://HOST/DB[?schema=NAME]
                (default DIR/state.db, made afresh each time); a store the demo ran into
                before finds every reading a duplicate
The minimums are the smallest fleet and period that hold every planted case.

Generates a demo data set into DIR: meters.csv and readings.csv for the meters over the days,
with rollovers, overrides, a meter exchange,
back-dated, duplicate, conflicting and bad rows; pulse-readings.csv (pulse meters' daily
summaries with planted sensor faults, and the modules' temperature and battery) and
pulse-events.csv (raw pulses of one logger channel per synthetic signal: clean, bounce, shorted,
open, magnet, leak, backflow, idle and near misses); cold-chain.csv (two refrigerated trucks'
temperature loggers, one with a cooling failure) and meterflow.config.json (the cold-chain
profile).
Then runs it with a fresh state database (DIR/state.db, or the --db store), writes the
outputs into DIR/out and prints the summary, and the README's worked examples of the
consumption formula as the consumption kernel computes them.`;

export async function demo(argv: string[]): Promise<number> {
  const { values } = parseOptions({
    args: argv,
    options: {
      dir: { type: "string", default: "meterflow-demo" },
      meters: { type: "string", default: "3000" },
      days: { type: "string", default: "60" },
      db: { type: "string" },
    },
  });
  const meters = count("--meters", values.meters, MIN_METERS);
  const days = count("--days", values.days, MIN_DAYS);
  const dir = resolve(values.dir);
  if (values.db === "") throw new UsageError("--db needs an SQLite file or a postgres:// URL");
  if (values.db !== undefined) checkStoreLocation(values.db);
  const db = values.db ?? join(dir, "state.db");
  // The directory first (MF_ERR_OUTPUT_DIR when it cannot be made or written: a file in the way),
  // then its old state goes.
  prepareOutDir(values.dir);
  if (values.db === undefined) for (const suffix of ["", "-wal", "-shm"]) rmSync(db + suffix, { force: true });
  const demoData = await import("../../demo/index.js");
  const manifest = await demoData.generateDemoData({ dir, meters, days });
  console.log(`meterflow demo: ${grouped(manifest.meters)} meters, ${manifest.days} days ` +
    `(${manifest.startDay} to ${manifest.endDay}), ${grouped(manifest.rows.total)} readings in ${manifest.files.readings}`);
  const p = manifest.pulses;
  console.log(`  + ${p.radioMeters} pulse meters' daily summaries in ${manifest.files.pulseReadings} (${p.planted.length} faults planted)`);
  console.log(`  + ${p.channels.length} logger channels' raw pulses in ${manifest.files.pulseEvents} ` +
    `(${grouped(p.eventRows)} rows: ${p.channels.map((c) => c.kind).join(", ")})`);
  console.log(`  + 2 refrigerated trucks' temperature loggers in ${manifest.files.coldChain} (${grouped(manifest.sensors.loggerRows)} sensor rows), ` +
    `judged with the cold-chain profile named in ${manifest.files.config}\n`);
  const bar = progress("demo");
  const summary = await runFiles({
    meters: manifest.files.meters, inputs: [manifest.files.readings, manifest.files.pulseReadings, manifest.files.coldChain],
    pulseEvents: [manifest.files.pulseEvents], config: manifest.files.config, db, out: join(dir, "out"),
    batchSize: DEMO_BATCH_SIZE,
    onProgress: bar.update,
  }).finally(bar.done);
  console.log(summaryTable(summary, join(dir, "out")));
  const reasons = (title: string, counts: Record<string, number>) =>
    Object.keys(counts).length === 0 ? "" : `\n${formatTable([title, "readings"], Object.entries(counts).map(([k, n]) => [k, grouped(n)]))}`;
  console.log(reasons("held because", summary.held_reasons));
  console.log(reasons("rejected because", summary.rejected_reasons));
  console.log(reasons("billed with flag", summary.billed_flags));
  console.log(reasons("alerts by rule", summary.alert_rules));
  console.log("\nWorked examples of the consumption formula (README \"Register consumption\"): previous end 2026-10-31,\nend 2026-11-30 (30 days), " +
    "computed by the consumption kernel the run used:\n");
  console.log(formatTable(demoData.WORKED_EXAMPLES_HEADER, demoData.workedExamples()));
  const d = (name: string) => shellWord(join(values.dir, name));
  // The same files in the same order with the same batch size, so the batches are cut as they were
  // (README "Reruns"): with the default size the rerun's batches are new ones, and sensor rows in
  // them are decided again (late) instead of being duplicates.
  console.log(`\nRun it again on the same state and everything is a duplicate:\n  npx meterflow run --db ${values.db === undefined ? d("state.db") : shellWord(values.db)} --out ${d("out2")} ` +
    `--batch-size ${DEMO_BATCH_SIZE} --config ${d("meterflow.config.json")} --pulse-events ${d("pulse-events.csv")} ${d("readings.csv")} ${d("pulse-readings.csv")} ${d("cold-chain.csv")}`);
  return 0;
}

/** Small batches, as a nightly file would be: late readings land after their neighbours commit. */
const DEMO_BATCH_SIZE = 4096;

/** `text` as one word of a shell command a person copies (a URL's `?` and `&` quoted). */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function count(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${name} must be an integer >= ${min} (the smallest demo that holds every planted case), got ${text}`);
  }
  return n;
}
