// End to end: `meterflow run` on 10M readings from CSV through SQLite state to the output files,
// with per-stage figures, against baselines measured in the same run: reading the file's bytes
// (the I/O floor) and decoding it into columns without doing anything else.
//   node dist/bench/e2e.js [readings] [meters] [batch size]
import { mkdirSync, rmSync } from "node:fs";
import { createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBenchMeters, writeBenchReadings } from "../engine/demo/index.js";
import { createMeterIndex, readReadings } from "../engine/ingest/index.js";
import { runFiles } from "../engine/runtime/index.js";

const READINGS = Number(process.argv[2] ?? 10_000_000);
const METERS = Number(process.argv[3] ?? 100_000);
const BATCH = Number(process.argv[4] ?? 262_144);
const dir = join(tmpdir(), `meterflow-e2e-${process.pid}`);
mkdirSync(dir, { recursive: true });

async function readBytes(path: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) bytes += (chunk as Buffer).length;
  return bytes;
}

async function decodeOnly(path: string): Promise<number> {
  let rows = 0;
  for await (const batch of readReadings(path, { batchSize: 65536, maxEndDay: 1e6, meters: createMeterIndex() })) rows += batch.length;
  return rows;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, (performance.now() - t) / 1000];
}

try {
  const meters = join(dir, "meters.csv");
  const readings = join(dir, "readings.csv");
  // Start early enough that every day lies in the past: nothing is rejected as future_date.
  const startDay = "2025-01-01";
  await writeBenchMeters({ path: meters, meters: METERS, startDay });
  const file = await writeBenchReadings({ path: readings, meters: METERS, readings: READINGS, startDay });
  console.log(`e2e: ${READINGS.toLocaleString("en")} readings of ${METERS.toLocaleString("en")} meters, ` +
    `${(file.bytes / 1e6).toFixed(0)} MB CSV, node ${process.version}`);

  const [, ioSeconds] = await timed(() => readBytes(readings));
  const [rows, decodeSeconds] = await timed(() => decodeOnly(readings));
  if (rows !== READINGS) throw new Error(`decoded ${rows} rows, expected ${READINGS}`);
  // The registry is imported once, as a utility does when it changes; the nightly run finds it
  // unchanged (same SHA-256) and skips the import.
  const [, importSeconds] = await timed(async () => {
    const cli = await import("../engine/cli/commands/meters.js");
    const log = console.log;
    console.log = () => undefined;
    try {
      await cli.meters(["import", "--db", join(dir, "state.db"), meters]);
    } finally {
      console.log = log;
    }
  });
  const [summary, wallSeconds] = await timed(() => runFiles({ meters, inputs: [readings], db: join(dir, "state.db"), out: join(dir, "out"), batchSize: BATCH }));

  const rate = (seconds: number) => `${(READINGS / seconds / 1e6).toFixed(2)}M readings/s`;
  console.log(`\nbaselines (same run)`);
  console.log(`  read file bytes only        ${ioSeconds.toFixed(2)} s  ${rate(ioSeconds)}`);
  console.log(`  decode CSV into columns     ${decodeSeconds.toFixed(2)} s  ${rate(decodeSeconds)}`);
  console.log(`\nregistry import (once, not part of the run)  ${importSeconds.toFixed(2)} s`);
  console.log(`\nmeterflow run (state committed per batch of ${BATCH.toLocaleString("en")}; main-thread stages)`);
  for (const [stage, seconds] of Object.entries(summary.stage_seconds)) {
    console.log(`  ${stage.padEnd(26)}  ${seconds.toFixed(2)} s  ${rate(seconds)}`);
  }
  console.log(`  overall                     ${summary.seconds.toFixed(2)} s  ${rate(summary.seconds)}` +
    ` (${(summary.seconds / decodeSeconds).toFixed(2)}x decode-only, ${(summary.seconds / ioSeconds).toFixed(2)}x read-only)`);
  console.log(`  wall time of the call        ${wallSeconds.toFixed(2)} s  ${rate(wallSeconds)} (including closing the database)`);
  console.log(`  peak RSS ${summary.peak_rss_mb} MiB; billable ${summary.billable.toLocaleString("en")}, ` +
    `held ${summary.held.toLocaleString("en")}, rejected ${summary.rejected.toLocaleString("en")}, balanced ${summary.balanced}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
