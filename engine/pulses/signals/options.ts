// Options of the synthetic signal generator: defaults, and validation that names the bad option.
import { InvalidOptionError } from "../../errors.js";
import { DEFAULT_SENSOR, SENSORS, SIGNAL_KINDS } from "./kinds.js";
import type { Sensor, SignalKind } from "./kinds.js";

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** Options of generateChannelDay. */
export interface ChannelDayOptions {
  /** Start of the UTC day, ms since epoch: a multiple of 86,400,000 (a UTC midnight). */
  dayStartMs: number;
  /** Seed, an integer from 0 to 2^32 - 1: the same seed gives the same arrays. */
  seed: number;
  /** Mean flow over the day, units per hour (default 20: a household's 480 L a day). */
  flowPerHour?: number;
  /** Units per pulse (default 1: one pulse a litre). */
  weight?: number;
  /** Line supervision (default: {@link DEFAULT_SENSOR} of the kind). */
  sensor?: Sensor;
  /** The channel also has a magnetic field sensor (default false). */
  magnetometer?: boolean;
  /** Line sample period, ms: an integer from 1,000 to 600,000 (default 60,000). */
  sampleEveryMs?: number;
}

/**
 * Defaults of the optional {@link ChannelDayOptions}:
 * - `flowPerHour` 20 and `weight` 1: a household water meter, about 480 pulses a day.
 * - `magnetometer` false.
 * - `sampleEveryMs` 60,000: one line sample a minute (1,440 a day per supervised channel).
 */
export const SIGNAL_DEFAULTS = Object.freeze({ flowPerHour: 20, weight: 1, magnetometer: false, sampleEveryMs: 60_000 });

/**
 * Shortest pulse period the profile may produce, ms: at peak flow (24 x mean, +15% ripple,
 * plus a leak) pulses stay this far apart, well clear of the 60 ms S0 minimum.
 */
export const MIN_PERIOD_MS = 250;
/** Peak flow of a draw relative to the mean flow, ripple included. */
export const PEAK_FLOW_FACTOR = 24 * 1.15;
/** Most leak flow, pulses an hour. */
export const MAX_LEAK_PULSES_PER_HOUR = 12;

/** Options with defaults applied and checked. */
export interface ResolvedDayOptions {
  kind: SignalKind;
  dayStartMs: number;
  seed: number;
  flowPerHour: number;
  weight: number;
  sensor: Sensor;
  magnetometer: boolean;
  sampleEveryMs: number;
}

/** Largest mean flow for `weight` that keeps pulses {@link MIN_PERIOD_MS} apart. */
export function maxFlowPerHour(weight: number): number {
  return (weight * (3_600_000 / MIN_PERIOD_MS - MAX_LEAK_PULSES_PER_HOUR)) / PEAK_FLOW_FACTOR;
}

/** Applies defaults and validates; throws InvalidOptionError naming the first bad option. */
export function resolveDayOptions(kind: SignalKind, options: ChannelDayOptions): ResolvedDayOptions {
  if (!SIGNAL_KINDS.includes(kind)) throw new InvalidOptionError("kind", `one of ${SIGNAL_KINDS.join(", ")}`, kind);
  const { dayStartMs, seed } = options;
  if (!Number.isSafeInteger(dayStartMs) || dayStartMs % DAY_MS !== 0) {
    throw new InvalidOptionError("dayStartMs", "a UTC midnight (a multiple of 86400000 ms)", dayStartMs);
  }
  checkSeed(seed);
  const resolved: ResolvedDayOptions = {
    kind,
    dayStartMs,
    seed,
    flowPerHour: options.flowPerHour ?? SIGNAL_DEFAULTS.flowPerHour,
    weight: options.weight ?? SIGNAL_DEFAULTS.weight,
    sensor: options.sensor ?? DEFAULT_SENSOR[kind],
    magnetometer: options.magnetometer ?? SIGNAL_DEFAULTS.magnetometer,
    sampleEveryMs: options.sampleEveryMs ?? SIGNAL_DEFAULTS.sampleEveryMs,
  };
  checkShared(resolved);
  if (!SENSORS.includes(resolved.sensor)) throw new InvalidOptionError("sensor", `one of ${SENSORS.join(", ")}`, resolved.sensor);
  if (typeof resolved.magnetometer !== "boolean") throw new InvalidOptionError("magnetometer", "a boolean", resolved.magnetometer);
  return resolved;
}

/** Checks a seed: an integer from 0 to 2^32 - 1. */
export function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new InvalidOptionError("seed", "an integer from 0 to 4294967295", seed);
  }
}

/** Checks the options a day and a fleet share: weight, flowPerHour, sampleEveryMs. */
export function checkShared(o: { flowPerHour: number; weight: number; sampleEveryMs: number }): void {
  if (!(Number.isFinite(o.weight) && o.weight > 0)) throw new InvalidOptionError("weight", "a finite number > 0", o.weight);
  const most = maxFlowPerHour(o.weight);
  // At least one pulse an hour on average, so every kind that changes pulses has some to change.
  if (!(o.flowPerHour >= o.weight && o.flowPerHour <= most)) {
    throw new InvalidOptionError("flowPerHour", `from weight (${o.weight}) to ${most.toFixed(1)} (pulses at least ${MIN_PERIOD_MS} ms apart)`, o.flowPerHour);
  }
  if (!Number.isInteger(o.sampleEveryMs) || o.sampleEveryMs < 1_000 || o.sampleEveryMs > 600_000) {
    throw new InvalidOptionError("sampleEveryMs", "an integer from 1000 to 600000", o.sampleEveryMs);
  }
}
