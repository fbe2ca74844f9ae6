// Register values of every demo meter, day by day: daily consumption from the meter's profile
// (base load, weekday/weekend, season, noise), accumulated into its register, which wraps,
// restarts after an exchange or stands still where the meter's scenario says so.
import { dayFromCivil } from "../time/index.js";
import type { MeterPlan } from "./fleet.js";
import type { Random } from "./random.js";

/** A meter's register in ticks (units of 10^-decimals) at the end of each day. */
export interface MeterSeries {
  /** Value per day index; NaN before the meter's first reading. */
  ticks: Float64Array;
  /** `last_reading` in ticks; NaN without a baseline. */
  baseline: number;
}

const JAN15 = dayFromCivil(2026, 1, 15);
const YEAR = 365.2425;
/** Losses between a parent meter and the sum of its sub-meters. */
const LOSSES = 0.04;
/** Days before the first day that an old registry baseline lies. */
export const OLD_BASELINE_GAP = 31;

/** Consumption of one day (day number `day`) per the meter's profile. */
export function dailyConsumption(plan: MeterPlan, day: number, rng: Random): number {
  if (plan.base === 0) return 0;
  const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  const weekend = dow === 0 || dow === 6 ? plan.weekend : 1;
  const season = Math.max(0.05, 1 + plan.seasonal * Math.cos((2 * Math.PI * (day - JAN15)) / YEAR));
  return plan.base * weekend * season * (0.75 + 0.5 * rng.next());
}

/** The register series of every plan (children before their parents), keyed by meter id. */
export function computeSeries(rng: Random, plans: MeterPlan[], firstDay: number, days: number): Map<string, MeterSeries> {
  const out = new Map<string, MeterSeries>();
  const usage = new Map<string, Float64Array>();
  const ordered = [...plans.filter((p) => p.role !== "parent"), ...plans.filter((p) => p.role === "parent")];
  for (const plan of ordered) {
    const daily = new Float64Array(days);
    for (let d = plan.firstDay; d < days; d++) daily[d] = dailyConsumption(plan, firstDay + d, rng);
    if (plan.role === "parent") {
      for (const child of plan.children) {
        const c = usage.get(child)!;
        for (let d = 0; d < days; d++) daily[d] += c[d] * (1 + LOSSES);
      }
    }
    if (plan.role === "verification_zero") daily.fill(0, plan.eventDay, plan.eventDay + 3);
    usage.set(plan.id, daily);
    out.set(plan.id, registerSeries(rng, plan, daily, firstDay));
  }
  return out;
}

function registerSeries(rng: Random, plan: MeterPlan, daily: Float64Array, firstDay: number): MeterSeries {
  const days = daily.length;
  const perUnit = 10 ** plan.decimals / plan.scale;
  // cum[d]: whole ticks counted from the baseline (or the first reading) to the end of day d.
  const cum = new Float64Array(days);
  let total = 0;
  for (let d = plan.firstDay; d < days; d++) {
    total += daily[d];
    cum[d] = Math.floor(total * perUnit + 1e-9);
  }
  let gap = 0;
  if (plan.baselineGap > 1) {
    let sum = 0;
    for (let d = plan.baselineGap - 1; d >= 1; d--) sum += dailyConsumption(plan, firstDay - d, rng);
    gap = Math.floor(sum * perUnit);
  }
  const cap = (): number => (plan.reset ?? 10 ** plan.digits) * 10 ** plan.decimals;
  const wraps = plan.role === "rollover_inferred" || plan.role === "rollover_reset" || plan.role === "rollover_configured";
  // Registers that must not wrap get more dials when the period would fill them.
  while (!wraps && cum[days - 1] + gap >= 0.6 * cap()) {
    plan.digits++;
    if (plan.reset !== null) plan.reset = 10 ** plan.digits;
  }
  const range = cap();
  const ticks = new Float64Array(days).fill(Number.NaN);
  let start: number;
  if (wraps) {
    plan.eventDay = wrapDay(cum, plan.eventDay);
    const w = plan.eventDay;
    const before = w === 0 ? 0 : cum[w - 1];
    start = range - before - Math.max(1, Math.floor((cum[w] - before) / 2));
    for (let d = 0; d < days; d++) ticks[d] = (start + cum[d]) % range;
  } else if (plan.role === "meter_exchange") {
    start = Math.floor(range * rng.between(0.15, 0.35));
    const x = plan.eventDay;
    const fresh = rng.int(0, 4);
    for (let d = 0; d < days; d++) ticks[d] = d < x ? start + cum[d] : fresh + cum[d] - cum[x - 1];
  } else {
    start = plan.role === "new_meter" ? rng.int(0, 50) : gap + Math.floor(rng.next() * (0.6 * range - cum[days - 1] - gap));
    for (let d = plan.firstDay; d < days; d++) ticks[d] = start + cum[d];
  }
  const baseline = plan.baselineGap === 0 ? Number.NaN : start - gap;
  return { ticks, baseline };
}

/** The day nearest `preferred` whose consumption is at least two ticks (so the wrap is visible). */
function wrapDay(cum: Float64Array, preferred: number): number {
  for (let k = 0; k < cum.length; k++) {
    for (const d of [preferred + k, preferred - k]) {
      if (d >= 1 && d < cum.length - 1 && cum[d] - cum[d - 1] >= 2) return d;
    }
  }
  throw new RangeError("no day with consumption for a rollover");
}

/** A register value as written to the files: ticks with the meter's decimals. */
export function formatTicks(ticks: number, decimals: number): string {
  if (decimals === 0) return String(ticks);
  const scale = 10 ** decimals;
  return `${Math.floor(ticks / scale)}.${String(ticks % scale).padStart(decimals, "0")}`;
}
