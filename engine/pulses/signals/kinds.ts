// What the synthetic signal generator can produce: kinds of channel-day, line sensors, and the
// pulse faults each combination must raise (and the near misses that must raise nothing).
import type { FlagName } from "../../flags/index.js";

/**
 * Kinds of synthetic channel-day, in a fixed order (fleet columns store the index). Times and
 * on-times are whole milliseconds; every event ends before the next begins.
 * Every kind but `idle` starts from a `clean-s0` day (its pulses, its pulse-free night):
 * - `clean-s0`   S0 pulses of 40-60 ms at a rate following a daily consumption profile (pulse-free
 *                night hours 01:00-05:00 apart from an occasional flush, morning and evening peaks).
 * - `bounce`     clean, plus bursts of 1-5 ms spikes with 1-3 ms gaps before or after ~2% of the
 *                pulses (at least one): contact chatter.
 * - `shorted`    clean, but the contact stays closed for 5-30 minutes (at least two sample periods)
 *                from a time between 08:00 and 20:00: one event with a huge on-time, no other pulse
 *                within 500 ms of it; a NAMUR loop reads 6.2-7.5 mA meanwhile.
 * - `open`       clean until a time between 08:00 and 20:00, then the line is cut: no pulses, a NAMUR
 *                loop reads 0.02-0.15 mA, a reed sensor's tamper loop opens and stays open.
 * - `magnet`     clean, but a magnet is held to the meter for 40-80 minutes from a time between
 *                09:00 and 20:00: pulses stop, a reed sensor's tamper loop is open throughout and
 *                closes again, a magnetic field sensor reads 20-80 mT.
 * - `leak`       clean, plus a steady leak of 3-12 pulses an hour: never a pulse-free hour.
 * - `backflow`   clean, but a run of 1-10 consecutive pulses has the direction input reversed.
 * - `idle`       no pulses at all (the line itself stays healthy).
 * - `fast-legal` near miss of bounce: clean, plus one burst of 6,000-9,000 pulses of 30-34 ms
 *                on-time and 30-38 ms off-time (whole milliseconds, so exactly 30 ms on and exactly
 *                60 ms from edge to edge both occur and compare exactly).
 * - `long-legal` near miss of short circuit: clean, but pulses of 90-120 ms on-time, at least one of
 *                exactly 120 ms.
 */
export const SIGNAL_KINDS = [
  "clean-s0", "bounce", "shorted", "open", "magnet", "leak", "backflow", "idle", "fast-legal", "long-legal",
] as const;

/** A kind of synthetic channel-day. */
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/**
 * Line supervision of a channel, in a fixed order (fleet columns store the index):
 * `s0` none (no line samples); `namur` loop current samples (~1.2 mA off, ~2.1 mA on);
 * `reed` tamper-loop samples (0 closed, 1 open). A magnetic field sensor is separate (option
 * `magnetometer`) and can come with any of them.
 */
export const SENSORS = ["s0", "namur", "reed"] as const;

/** Line supervision of a channel. */
export type Sensor = (typeof SENSORS)[number];

/** Pulse faults, as named in engine/flags (and in billing.csv's `flags`). */
export type FaultName = Extract<FlagName,
  "open_circuit" | "short_circuit" | "magnetic" | "bounce" | "leak" | "no_consumption" | "backflow">;

/** The sensor each kind gets unless one is given: one that can show the kind's fault. */
export const DEFAULT_SENSOR: Readonly<Record<SignalKind, Sensor>> = Object.freeze({
  "clean-s0": "s0",
  bounce: "s0",
  shorted: "namur",
  open: "namur",
  magnet: "reed",
  leak: "s0",
  backflow: "s0",
  idle: "s0",
  "fast-legal": "s0",
  "long-legal": "s0",
});

const NONE: readonly FaultName[] = Object.freeze([]);
const ONLY = (fault: FaultName): readonly FaultName[] => Object.freeze([fault]);

/**
 * The faults one day of `kind` must raise, judged with the default thresholds
 * (engine/pulses/thresholds.ts) and line-sample options (./samples.ts), and no others.
 * - `open` on an `s0` channel: none. A plain S0 input cannot tell a cut line from no consumption;
 *   only `no_consumption` after days without pulses can (DESIGN.md).
 * - `magnet` without a reed sensor or a magnetometer: none. The pulses stop for an hour, which
 *   nothing on the line shows.
 * - `idle`: none. `no_consumption` needs `noPulseDays` idle days (a threshold that is off by
 *   default), so it is never part of a single day's expectation.
 * - `fast-legal`, `long-legal`, `clean-s0`: none. `fast-legal` would be `magnetic` (rate above
 *   Qmax) only on a meter whose `maxPulses` is below its burst.
 *
 * @example
 * expectedFaults("open", "namur", false); // ["open_circuit"]
 * expectedFaults("open", "s0", false);    // []
 */
export function expectedFaults(kind: SignalKind, sensor: Sensor, magnetometer: boolean): readonly FaultName[] {
  switch (kind) {
    case "bounce": return ONLY("bounce");
    case "shorted": return ONLY("short_circuit");
    case "open": return sensor === "s0" ? NONE : ONLY("open_circuit");
    case "magnet": return sensor === "reed" || magnetometer ? ONLY("magnetic") : NONE;
    case "leak": return ONLY("leak");
    case "backflow": return ONLY("backflow");
    default: return NONE;
  }
}
