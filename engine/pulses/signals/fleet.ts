// Many channel-days at once, as flat columns ready for the pulse reducers and kernel: events and
// line samples sorted by interval (channel-day) then time, and per interval its channel, day,
// kind, sensor, seed and expected faults. Any interval is reproduced alone by generateChannelDay
// with its recorded day, kind, sensor, magnetometer and seed and the fleet's flowPerHour, weight
// and sampleEveryMs.
import { hash32 } from "../../demo/random.js";
import { InvalidOptionError } from "../../errors.js";
import { flagMask } from "../../flags/index.js";
import { EventWriter, SampleWriter } from "./columns.js";
import type { LineSamples, PulseEvents } from "./columns.js";
import { writeChannelDay } from "./day.js";
import { expectedFaults, SENSORS, SIGNAL_KINDS } from "./kinds.js";
import type { Sensor, SignalKind } from "./kinds.js";
import { checkSeed, checkShared, DAY_MS, SIGNAL_DEFAULTS } from "./options.js";
import type { ResolvedDayOptions } from "./options.js";

/** Options of {@link generateFleet}. */
export interface FleetOptions {
  /** Channels (pulse inputs), >= 1. */
  channels: number;
  /** Consecutive days per channel, >= 1. */
  days: number;
  /** Start of the first UTC day, ms since epoch (a multiple of 86,400,000). */
  dayStartMs: number;
  /** Seed, an integer from 0 to 2^32 - 1. */
  seed: number;
  /** Share of channel-days given a kind from `kinds` instead of `clean-s0`, 0-1 (default 0.1). */
  faultShare?: number;
  /** Kinds drawn (uniformly) for those days (default: every kind but `clean-s0`). */
  kinds?: readonly SignalKind[];
  /** Sensors drawn (uniformly) per channel (default: all of SENSORS). */
  sensors?: readonly Sensor[];
  /** Share of channels with a magnetic field sensor, 0-1 (default 0). */
  magnetometerShare?: number;
  /** As for a channel-day (defaults 20 and 1). */
  flowPerHour?: number;
  weight?: number;
  /** Line sample period, ms (default 300,000: five minutes, to keep samples few in bulk). */
  sampleEveryMs?: number;
}

/** Defaults of {@link FleetOptions} (flowPerHour and weight as for a channel-day). */
export const FLEET_DEFAULTS = Object.freeze({
  faultShare: 0.1,
  kinds: Object.freeze(SIGNAL_KINDS.filter((k) => k !== "clean-s0")),
  sensors: SENSORS,
  magnetometerShare: 0,
  sampleEveryMs: 300_000,
});

/** One row per channel-day; interval i is channel `i / days`, day `i % days`. */
export interface FleetIntervals {
  readonly length: number;
  readonly channel: Uint32Array;
  readonly dayStartMs: Float64Array;
  /** Index into SIGNAL_KINDS. */
  readonly kind: Uint8Array;
  /** Index into SENSORS (a channel's sensor is the same every day). */
  readonly sensor: Uint8Array;
  /** 1: the channel has a magnetic field sensor. */
  readonly magnetometer: Uint8Array;
  /** Seed that reproduces the interval with generateChannelDay. */
  readonly seed: Uint32Array;
  /** Expected faults as engine/flags bits (flagNames() gives the names). */
  readonly expected: Uint32Array;
}

/** Columns of `length` rows, sorted by interval then time. */
export type FleetEvents = PulseEvents & { readonly length: number; readonly interval: Uint32Array };
export type FleetSamples = LineSamples & { readonly length: number; readonly interval: Uint32Array };

/** A generated fleet. */
export interface Fleet {
  readonly intervals: FleetIntervals;
  readonly events: FleetEvents;
  readonly samples: FleetSamples;
}

/**
 * Generates `channels` x `days` channel-days. Channel c's seed is hash32(seed, c), its day d's
 * seed hash32(channel seed, d); kinds and sensors are drawn from those, so adding channels or
 * days leaves the others as they were.
 *
 * @example
 * const fleet = generateFleet({ channels: 10_000, days: 2, dayStartMs: Date.UTC(2026, 10, 1), seed: 1 });
 * fleet.events.length;           // ~11M pulses: ~480 a channel-day, ~7,500 more on a fast-legal day
 * fleet.events.interval[0];      // 0: channel 0, day 0
 * SIGNAL_KINDS[fleet.intervals.kind[5]]; // e.g. "clean-s0"
 * reduceLineSamples(fleet.samples, fleet.samples.length, fleet.intervals.length);
 */
export function generateFleet(options: FleetOptions): Fleet {
  const o = resolveFleet(options);
  const m = o.channels * o.days;
  const perDay = (o.flowPerHour * 24) / o.weight;
  const fastDays = o.kinds.includes("fast-legal") ? (m * o.faultShare) / o.kinds.length : 0;
  const events = new EventWriter(m * perDay * 1.05 + fastDays * 9_000 + 1024);
  const lined = o.sensors.filter((s) => s !== "s0").length / o.sensors.length;
  const samples = new SampleWriter(((m * DAY_MS) / o.sampleEveryMs) * Math.min(1, lined + o.magnetometerShare) + 1024);
  const iv = {
    length: m,
    channel: new Uint32Array(m),
    dayStartMs: new Float64Array(m),
    kind: new Uint8Array(m),
    sensor: new Uint8Array(m),
    magnetometer: new Uint8Array(m),
    seed: new Uint32Array(m),
    expected: new Uint32Array(m),
  };
  const masks = new Map<string, number>();
  const day: ResolvedDayOptions = {
    kind: "clean-s0", dayStartMs: 0, seed: 0, flowPerHour: o.flowPerHour, weight: o.weight,
    sensor: "s0", magnetometer: false, sampleEveryMs: o.sampleEveryMs,
  };
  for (let c = 0; c < o.channels; c++) {
    const channelSeed = hash32(o.seed, c);
    day.sensor = o.sensors[hash32(channelSeed, 0x5e45) % o.sensors.length];
    day.magnetometer = unit(hash32(channelSeed, 0x3a6)) < o.magnetometerShare;
    for (let d = 0; d < o.days; d++) {
      const i = c * o.days + d;
      day.seed = hash32(channelSeed, d);
      day.dayStartMs = o.dayStartMs + d * DAY_MS;
      day.kind = unit(hash32(day.seed, 0xfa17)) < o.faultShare ? o.kinds[hash32(day.seed, 0x4b1d) % o.kinds.length] : "clean-s0";
      const e0 = events.length;
      const s0 = samples.length;
      writeChannelDay(day, events, samples);
      events.interval.fill(i, e0, events.length);
      samples.interval.fill(i, s0, samples.length);
      const key = `${day.kind}/${day.sensor}/${day.magnetometer}`;
      let mask = masks.get(key);
      if (mask === undefined) masks.set(key, (mask = flagMask(expectedFaults(day.kind, day.sensor, day.magnetometer))));
      iv.channel[i] = c;
      iv.dayStartMs[i] = day.dayStartMs;
      iv.kind[i] = SIGNAL_KINDS.indexOf(day.kind);
      iv.sensor[i] = SENSORS.indexOf(day.sensor);
      iv.magnetometer[i] = day.magnetometer ? 1 : 0;
      iv.seed[i] = day.seed;
      iv.expected[i] = mask;
    }
  }
  const ne = events.length;
  const ns = samples.length;
  return {
    intervals: iv,
    events: {
      length: ne, interval: events.interval.subarray(0, ne), t: events.t.subarray(0, ne),
      onMs: events.onMs.subarray(0, ne), reverse: events.reverse.subarray(0, ne),
    },
    samples: {
      length: ns, interval: samples.interval.subarray(0, ns), t: samples.t.subarray(0, ns),
      loopMa: samples.loopMa.subarray(0, ns), tamper: samples.tamper.subarray(0, ns), magnetMt: samples.magnetMt.subarray(0, ns),
    },
  };
}

/** A 32-bit hash as a float in [0, 1). */
function unit(h: number): number {
  return h / 4294967296;
}

type ResolvedFleet = Required<Omit<FleetOptions, "kinds" | "sensors">> & { kinds: readonly SignalKind[]; sensors: readonly Sensor[] };

function resolveFleet(options: FleetOptions): ResolvedFleet {
  const o: ResolvedFleet = {
    channels: options.channels,
    days: options.days,
    dayStartMs: options.dayStartMs,
    seed: options.seed,
    faultShare: options.faultShare ?? FLEET_DEFAULTS.faultShare,
    kinds: options.kinds ?? FLEET_DEFAULTS.kinds,
    sensors: options.sensors ?? FLEET_DEFAULTS.sensors,
    magnetometerShare: options.magnetometerShare ?? FLEET_DEFAULTS.magnetometerShare,
    flowPerHour: options.flowPerHour ?? SIGNAL_DEFAULTS.flowPerHour,
    weight: options.weight ?? SIGNAL_DEFAULTS.weight,
    sampleEveryMs: options.sampleEveryMs ?? FLEET_DEFAULTS.sampleEveryMs,
  };
  for (const name of ["channels", "days"] as const) {
    if (!Number.isInteger(o[name]) || o[name] < 1) throw new InvalidOptionError(name, "an integer >= 1", o[name]);
  }
  if (o.channels * o.days > 0xffff_ffff) throw new InvalidOptionError("days", "such that channels x days fits in 32 bits", o.days);
  if (!Number.isSafeInteger(o.dayStartMs) || o.dayStartMs % DAY_MS !== 0) {
    throw new InvalidOptionError("dayStartMs", "a UTC midnight (a multiple of 86400000 ms)", o.dayStartMs);
  }
  checkSeed(o.seed);
  for (const name of ["faultShare", "magnetometerShare"] as const) {
    if (!(o[name] >= 0 && o[name] <= 1)) throw new InvalidOptionError(name, "a number from 0 to 1", o[name]);
  }
  if (!Array.isArray(o.kinds) || o.kinds.length === 0 || !o.kinds.every((k) => SIGNAL_KINDS.includes(k))) {
    throw new InvalidOptionError("kinds", `a non-empty list of ${SIGNAL_KINDS.join(", ")}`, o.kinds);
  }
  if (!Array.isArray(o.sensors) || o.sensors.length === 0 || !o.sensors.every((s) => SENSORS.includes(s))) {
    throw new InvalidOptionError("sensors", `a non-empty list of ${SENSORS.join(", ")}`, o.sensors);
  }
  checkShared(o);
  return o;
}
