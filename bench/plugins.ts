// The cost of the built-in plugins per reading: `meterflow run` on the same 10M readings, each
// carrying four sensor channels as wide columns (temperature, humidity, supply_voltage,
// backup_battery), in three ways, alternating in this process, each on a fresh state with the
// registry imported beforehand:
//   without  no plugins: the channel columns are ignored (the baseline)
//   with     the built-in plugins and the default rules: channels decoded and range-checked,
//            thresholds with durations tracked per meter and channel (derived facts are only
//            computed for rules that use them: the default rules use none)
//   facts    the same plus a rule file reading the derived facts (dew_point, absolute_humidity,
//            on_battery) and a channel, so the plugins' facts are computed for every reading
//   npm run bench:plugins        (or: node dist/bench/plugins.js [readings] [meters] [runs])
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { writeBenchMeters, writeBenchReadings } from "../engine/demo/index.js";
import { defaultRuleFiles } from "../engine/decide/rules.js";
import { runFiles } from "../engine/runtime/index.js";
import { importRegistry } from "../engine/registry/import.js";
import { loadPlugins } from "../engine/plugins/index.js";
import { openStore } from "../engine/store/open.js";

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
  const factRules = join(dir, "facts.json");
  writeFileSync(factRules, JSON.stringify({
    rules: [{
      name: "damp-and-on-battery",
      conditions: { all: [
        { fact: "dew_point", operator: "greaterThan", value: 30 },
        { fact: "absolute_humidity", operator: "greaterThan", value: 40 },
        { fact: "on_battery", operator: "equal", value: 1 },
        { fact: "temperature", operator: "greaterThan", value: 100 },
      ] },
      event: { type: "alert", params: { severity: "info", channel: "humidity", message: "never fires: reads every derived fact" } },
    }],
  }));
  const MODES = ["without", "with", "facts"] as const;
  const seconds: Record<(typeof MODES)[number], number[]> = { with: [], without: [], facts: [] };
  let last: Awaited<ReturnType<typeof runFiles>> | undefined;
  for (let run = 0; run < RUNS; run++) {
    for (const mode of MODES) {
      const db = join(dir, `${mode}-${run}.db`);
      const builtins = mode !== "without";
      const store = await openStore(db);
      await importRegistry(store, meters, await loadPlugins({ baseDir: dir, plugins: [], builtins }), true);
      await store.close();
      const rules = mode === "facts" ? [...defaultRuleFiles(), factRules] : undefined;
      const summary = await runFiles({ meters, inputs: [readings], db, out: join(dir, `out-${mode}-${run}`), batchSize: 262_144, builtinPlugins: builtins, rules });
      if (!summary.balanced) throw new Error("not balanced");
      seconds[mode].push(summary.seconds);
      if (builtins) last = summary;
      rmSync(db, { force: true });
      console.log(`  run ${run + 1} ${mode.padEnd(7)} plugins  ${summary.seconds.toFixed(2)} s  ${(READINGS / summary.seconds / 1e6).toFixed(2)}M readings/s  ` +
        `compute ${summary.stage_seconds.compute.toFixed(2)} s, peak RSS ${summary.peak_rss_mb} MiB`);
    }
  }
  const withoutS = median(seconds.without);
  console.log(`\nmedian without plugins          ${withoutS.toFixed(2)} s  ${(READINGS / withoutS / 1e6).toFixed(2)}M readings/s`);
  for (const mode of ["with", "facts"] as const) {
    const s = median(seconds[mode]);
    const label = mode === "with" ? "with plugins (thresholds)" : "with plugins + derived facts";
    console.log(`median ${label.padEnd(24)} ${s.toFixed(2)} s  ${(READINGS / s / 1e6).toFixed(2)}M readings/s: ` +
      `+${(((s - withoutS) / READINGS) * 1e9).toFixed(0)} ns per reading (${((s / withoutS - 1) * 100).toFixed(1)}%)`);
  }
  console.log(`(4 channel values per reading; ${last?.plugins.length ?? 0} plugins loaded)`);
  if (last !== undefined) console.log(`sensor values judged ${last.sensors.values.toLocaleString("en")}, threshold alerts ${last.sensors.alerts.toLocaleString("en")}, alerts.csv ${last.alerts.toLocaleString("en")}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
