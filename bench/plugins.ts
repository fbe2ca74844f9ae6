// The cost of the built-in plugins per reading: `meterflow run` on the same 10M readings, each
// carrying four sensor channels as wide columns (temperature, humidity, supply_voltage,
// backup_battery), with the built-in plugins (channels decoded and range-checked, derived facts
// such as dew point computed, thresholds with durations tracked per meter and channel) and
// without them (the columns are ignored). Both runs in this process, alternating, each on a
// fresh state with the registry imported beforehand.
//   npm run bench:plugins        (or: node dist/bench/plugins.js [readings] [meters] [runs])
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBenchMeters, writeBenchReadings } from "../engine/demo/index.js";
import { runFiles } from "../engine/pipeline/index.js";
import { importRegistry } from "../engine/pipeline/registry-import.js";
import { loadPlugins } from "../engine/plugins/index.js";
import { openSqliteStore } from "../engine/store/index.js";

const READINGS = Number(process.argv[2] ?? 10_000_000);
const METERS = Number(process.argv[3] ?? 100_000);
const RUNS = Number(process.argv[4] ?? 3);
const dir = join(tmpdir(), `meterflow-plugins-${process.pid}`);
mkdirSync(dir, { recursive: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const meters = join(dir, "meters.csv");
  const readings = join(dir, "readings.csv");
  const startDay = "2025-01-01";
  await writeBenchMeters({ path: meters, meters: METERS, startDay });
  const file = await writeBenchReadings({ path: readings, meters: METERS, readings: READINGS, startDay, channels: true });
  console.log(`plugins: ${READINGS.toLocaleString("en")} readings of ${METERS.toLocaleString("en")} meters with 4 channels each, ` +
    `${(file.bytes / 1e6).toFixed(0)} MB CSV, ${RUNS} runs each, node ${process.version}`);
  const seconds: Record<"with" | "without", number[]> = { with: [], without: [] };
  let last: Awaited<ReturnType<typeof runFiles>> | undefined;
  for (let run = 0; run < RUNS; run++) {
    for (const mode of ["without", "with"] as const) {
      const db = join(dir, `${mode}-${run}.db`);
      const builtins = mode === "with";
      const store = openSqliteStore(db);
      await importRegistry(store, meters, await loadPlugins({ baseDir: dir, plugins: [], builtins }), true);
      store.close();
      const summary = await runFiles({ meters, inputs: [readings], db, out: join(dir, `out-${mode}-${run}`), batchSize: 262_144, builtinPlugins: builtins });
      if (!summary.balanced) throw new Error("not balanced");
      seconds[mode].push(summary.seconds);
      if (builtins) last = summary;
      rmSync(db, { force: true });
      console.log(`  run ${run + 1} ${mode.padEnd(7)} plugins  ${summary.seconds.toFixed(2)} s  ${(READINGS / summary.seconds / 1e6).toFixed(2)}M readings/s  ` +
        `compute ${summary.stage_seconds.compute.toFixed(2)} s, peak RSS ${summary.peak_rss_mb} MiB`);
    }
  }
  const withS = median(seconds.with);
  const withoutS = median(seconds.without);
  const perReading = ((withS - withoutS) / READINGS) * 1e9;
  console.log(`\nmedian without plugins  ${withoutS.toFixed(2)} s  ${(READINGS / withoutS / 1e6).toFixed(2)}M readings/s`);
  console.log(`median with plugins     ${withS.toFixed(2)} s  ${(READINGS / withS / 1e6).toFixed(2)}M readings/s`);
  console.log(`cost of the built-in plugins: ${perReading.toFixed(0)} ns per reading (${((withS / withoutS - 1) * 100).toFixed(1)}% of the run), ` +
    `for 4 channel values, their ranges, ${last?.plugins.length ?? 0} plugins' derived facts and thresholds`);
  if (last !== undefined) console.log(`sensor values judged ${last.sensors.values.toLocaleString("en")}, threshold alerts ${last.sensors.alerts.toLocaleString("en")}, alerts.csv ${last.alerts.toLocaleString("en")}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
