// generateDemoData: a deterministic synthetic fleet (meters.csv) and its daily readings
// (readings.csv) with every case meterflow must handle planted and listed in a manifest.
import { writeFile } from "node:fs/promises";
import { prepareOutDir } from "../sinks/out-dir.js";
import { join } from "node:path";
import { InvalidOptionError } from "../errors.js";
import { formatDay, parseDay } from "../time/index.js";
import { MIN_DAYS, MIN_METERS, planFleet } from "./fleet.js";
import type { MeterPlan } from "./fleet.js";
import { METERS_HEADER, READINGS_HEADER } from "./headers.js";
import type { DemoManifest } from "./manifest.js";
import { createRandom } from "./random.js";
import { assemble, baseColumns } from "./rows.js";
import { demoPulses, PULSE_METER_COLUMNS, radioMeterId } from "./pulses.js";
import { coldChainLog, moduleAlerts } from "./sensors.js";
import type { DemoSensors } from "./sensors.js";
import { plant } from "./scenarios.js";
import { computeSeries, formatTicks } from "./series.js";
import type { MeterSeries } from "./series.js";

/** Options of generateDemoData. */
export interface DemoOptions {
  /** Directory to write into (created if missing). */
  dir: string;
  /** Registry size; default 3000, at least 100. */
  meters?: number;
  /** Reading days; default 60, at least 14. */
  days?: number;
  /** First reading day, `YYYY-MM-DD`; default 2026-09-01. */
  startDay?: string;
  /** Default 20260901. */
  seed?: number;
  /** Plant rows that must be rejected; default true. */
  badRows?: boolean;
}

/** Defaults of generateDemoData. */
export const DEMO_DEFAULTS = Object.freeze({ meters: 3000, days: 60, startDay: "2026-09-01", seed: 20260901, badRows: true });

/** Writes `meters.csv` and `readings.csv` into `options.dir`; the same options give the same bytes. */
export async function generateDemoData(options: DemoOptions): Promise<DemoManifest> {
  const meters = options.meters ?? DEMO_DEFAULTS.meters;
  const days = options.days ?? DEMO_DEFAULTS.days;
  const startDay = options.startDay ?? DEMO_DEFAULTS.startDay;
  const seed = options.seed ?? DEMO_DEFAULTS.seed;
  const badRows = options.badRows ?? DEMO_DEFAULTS.badRows;
  if (!Number.isInteger(meters) || meters < MIN_METERS) throw new InvalidOptionError("meters", `an integer >= ${MIN_METERS}`, meters);
  if (!Number.isInteger(days) || days < MIN_DAYS) throw new InvalidOptionError("days", `an integer >= ${MIN_DAYS}`, days);
  const first = typeof startDay === "string" ? parseDay(startDay) : Number.NaN;
  if (Number.isNaN(first)) throw new InvalidOptionError("startDay", "a YYYY-MM-DD date", startDay);
  if (!Number.isInteger(seed)) throw new InvalidOptionError("seed", "an integer", seed);
  if (typeof options.dir !== "string" || options.dir === "") throw new InvalidOptionError("dir", "a directory path", options.dir);

  const rng = createRandom(seed);
  const plans = planFleet(rng, meters, days, badRows);
  const series = computeSeries(rng, plans, first, days);
  const dates = Array.from({ length: days }, (_, d) => formatDay(first + d));
  const columns = baseColumns(plans, series, dates);
  const planted = plant(rng, plans, series, columns, dates);
  const lines = assemble([...columns, ...planted.extraColumns], planted.tails, READINGS_HEADER);
  const pulses = demoPulses(rng, meters, first, days, seed);
  const coldChain = coldChainLog(rng, first + days - 1);
  const sensors: DemoSensors = {
    ...coldChain.planted,
    alerts: [...moduleAlerts(first, days, radioMeterId), ...coldChain.planted.alerts],
  };

  // Not mkdir({ recursive }): it never returns for a path like /proc/nope (engine/sinks/out-dir.ts).
  prepareOutDir(options.dir);
  const files = {
    meters: join(options.dir, "meters.csv"), readings: join(options.dir, "readings.csv"),
    pulseReadings: join(options.dir, "pulse-readings.csv"), pulseEvents: join(options.dir, "pulse-events.csv"),
    coldChain: join(options.dir, "cold-chain.csv"), config: join(options.dir, "meterflow.config.json"),
  };
  await writeFile(files.meters, [...registryLines(plans, series, first), ...pulseRegistryLines(pulses.registry)].join("\n") + "\n");
  await writeFile(files.readings, lines.join("\n") + "\n");
  await writeFile(files.pulseReadings, pulses.summaries.join("\n") + "\n");
  await writeFile(files.pulseEvents, pulses.events.join("\n") + "\n");
  await writeFile(files.coldChain, coldChain.lines.join("\n") + "\n");
  // The trucks' loggers need the cold-chain profile, an opt-in built-in plugin, and only they:
  // the meters' radio modules are not refrigerated.
  await writeFile(files.config, `${JSON.stringify({ plugins: [{ plugin: "meterflow-cold-chain", meters: ["REEFER-*"] }] }, null, 2)}\n`);

  const { counts } = planted;
  const badTotal = Object.values(counts.bad).reduce((a, b) => a + b, 0);
  return {
    dir: options.dir,
    files,
    seed,
    startDay,
    endDay: dates[days - 1],
    days,
    meters: plans.length,
    rows: { total: lines.length - 1, ...counts, badTotal },
    scenarios: planted.scenarios,
    pulses: pulses.result,
    sensors,
  };
}

/** The demo registry's header: the register columns, then the pulse meters' columns. */
export const DEMO_METERS_HEADER = `${METERS_HEADER},${PULSE_METER_COLUMNS.join(",")}`;

/** Pulse meters' registry rows: id, type, unit, then empty register columns, then pulse settings. */
function pulseRegistryLines(rows: string[][]): string[] {
  return rows.map(([id, type, unit, ...pulse]) => [id, type, unit, "1", "", "", "", "", "", "", "", "", "", "", ...pulse].join(","));
}

function registryLines(plans: MeterPlan[], series: Map<string, MeterSeries>, first: number): string[] {
  const lines = [DEMO_METERS_HEADER];
  for (const p of plans) {
    const baseline = series.get(p.id)!.baseline;
    const hasBaseline = !Number.isNaN(baseline);
    lines.push([
      p.id, p.type, p.unit, String(p.scale), p.reset === null ? "" : String(p.reset),
      p.digitsConfigured ? String(p.digits) : "", p.mode, p.parentId ?? "",
      p.unitPrice.toFixed(4), p.fee.toFixed(2), p.costCenter, p.glAccount,
      hasBaseline ? formatTicks(baseline, p.decimals) : "", hasBaseline ? formatDay(first - p.baselineGap) : "",
      ...PULSE_METER_COLUMNS.map(() => ""),
    ].join(","));
  }
  return lines;
}
