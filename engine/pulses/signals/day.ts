// One channel over one UTC day: a kind's plan (when its fault happens), the clean pulses of the
// flow model, the fault written over them, and the line samples. Pure: the same kind and
// options give the same arrays on every machine.
import { createRandom } from "../../demo/random.js";
import type { Random } from "../../demo/random.js";
import { EventWriter, SampleWriter } from "./columns.js";
import type { LineSamples, PulseEvents } from "./columns.js";
import { addBounce, cutFrom, replaceWindow, reverseRun, widenPulses, writeFastTrain } from "./faults.js";
import { expectedFaults } from "./kinds.js";
import type { FaultName, Sensor, SignalKind } from "./kinds.js";
import { QUIET_LINE, writeLineSamples } from "./lines.js";
import type { LineEvents } from "./lines.js";
import { DAY_MS, resolveDayOptions } from "./options.js";
import type { ChannelDayOptions, ResolvedDayOptions } from "./options.js";
import { writeFlowPulses } from "./profile.js";

/** A generated channel-day. */
export interface ChannelDay {
  readonly kind: SignalKind;
  /** The sensor and magnetometer used (defaults applied). */
  readonly sensor: Sensor;
  readonly magnetometer: boolean;
  /** Pulse events, in time order, all starting within the day. */
  readonly events: PulseEvents;
  /** Line samples, in time order, within the day (none on an `s0` channel without magnetometer). */
  readonly samples: LineSamples;
  /** Faults the day must raise (see expectedFaults); empty for near misses. */
  readonly expected: readonly FaultName[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * Generates one channel over one UTC day.
 *
 * @example
 * const day = generateChannelDay("magnet", { dayStartMs: Date.UTC(2026, 10, 30), seed: 7 });
 * day.sensor;   // "reed": the kind's default sensor
 * day.expected; // ["magnetic"]
 * day.samples.tamper; // 0 ... 1, 1, ... 1 (40-80 minutes) ... 0
 * const fast = generateChannelDay("fast-legal", { dayStartMs: 0, seed: 7 });
 * fast.expected; // []: a near miss of bounce
 */
export function generateChannelDay(kind: SignalKind, options: ChannelDayOptions): ChannelDay {
  const o = resolveDayOptions(kind, options);
  const events = new EventWriter((o.flowPerHour * 24 * 1.4) / o.weight + (kind === "fast-legal" ? 9_500 : 0));
  const samples = new SampleWriter(DAY_MS / o.sampleEveryMs + 1);
  writeChannelDay(o, events, samples);
  return {
    kind,
    sensor: o.sensor,
    magnetometer: o.magnetometer,
    events: events.copy(0),
    samples: samples.copy(0),
    expected: expectedFaults(kind, o.sensor, o.magnetometer),
  };
}

/** Appends one channel-day to the writers (also the fleet's path). */
export function writeChannelDay(o: ResolvedDayOptions, events: EventWriter, samples: SampleWriter): void {
  const rng = createRandom(o.seed);
  const day = o.dayStartMs;
  const from = events.length;
  const line: LineEvents = { ...QUIET_LINE };
  const at = (lo: number, hi: number): number => day + Math.floor(rng.between(lo, hi));
  const kind = o.kind;
  if (kind !== "idle") {
    const leak = kind === "leak" ? o.weight * rng.between(3, 12) : 0;
    writeFlowPulses(events, o, rng, leak);
  }
  switch (kind) {
    case "bounce":
      addBounce(events, from, rng, day, day + DAY_MS);
      break;
    case "backflow":
      reverseRun(events, from, rng);
      break;
    case "long-legal":
      widenPulses(events, from, rng);
      break;
    case "open":
      line.openAt = at(8 * HOUR, 20 * HOUR);
      cutFrom(events, from, line.openAt);
      break;
    case "magnet": {
      line.magnetFrom = at(9 * HOUR, 20 * HOUR);
      line.magnetTo = line.magnetFrom + Math.floor(rng.between(40, 80) * MINUTE);
      replaceWindow(events, from, line.magnetFrom, line.magnetTo, () => {});
      break;
    }
    case "shorted": {
      // Long enough for at least one line sample to see it.
      const closed = Math.floor(Math.max(5 * MINUTE, 2 * o.sampleEveryMs) + rng.between(0, 25 * MINUTE));
      line.shortFrom = at(8 * HOUR, 20 * HOUR);
      line.shortTo = line.shortFrom + closed;
      replaceWindow(events, from, line.shortFrom - 500, line.shortTo + 500, () => events.push(line.shortFrom, closed, 0));
      break;
    }
    case "fast-legal":
      writeFastWindow(events, from, at(9 * HOUR, 17 * HOUR), rng);
      break;
    default:
      break;
  }
  writeLineSamples(samples, o, line, events, from, events.length, rng);
}

/** A burst of 6,000-9,000 fast legal pulses from `start`, replacing the pulses around it. */
function writeFastWindow(events: EventWriter, from: number, start: number, rng: Random): void {
  const count = rng.int(6_000, 9_001);
  // The burst lasts at most 9,000 x 72 ms; pulses within a second of it make way.
  const longest = 9_000 * 72;
  replaceWindow(events, from, start - 1_000, start + longest + 1_000, () => writeFastTrain(events, start, count, rng));
}
