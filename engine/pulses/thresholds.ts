// Documented default thresholds of the pulse interval kernel and helpers to derive the
// meter-specific ones. Sources: DESIGN.md "Pulse meters and impulse-sensor faults".
import type { ThresholdColumn } from "./columns.js";

/** Minutes in the 24 hours a leak slot must occur in (assembly/util/pulses.ts DAY_MINUTES). */
export const DAY_MINUTES = 1440;

/**
 * Defaults written by `PulseBatch.clear()`. A NaN turns its rule off.
 * - `weight` 1 unit per pulse.
 * - `debounceMs` 10: contact debounce of a reed input; a pulse shorter than this is bounce.
 * - `specMinOnMs` 30 and `specMinGapMs` 60: S0 (EN 62053-31) minimum on-time 30 ms and
 *   minimum on + off time 30 + 30 ms.
 * - `shortClosedMs` 120: the longest plausible closed time, max(120 ms, k x nominal width)
 *   with {@link shortClosedLimit}.
 * - `namurLowMa` 0.4 and `namurHighMa` 5.85: NAMUR (EN 60947-5-6) line-fault limits.
 * - `maxPulses` NaN: depends on the meter's Qmax and weight, see {@link maxPulsesFor}.
 * - `leakSlotMin` 60: a day without a pulse-free hour is a leak.
 * - `noPulseDays` NaN: only where consumption is expected (e.g. 30 days).
 */
export const DEFAULT_PULSE_THRESHOLDS: Readonly<Record<ThresholdColumn, number>> = Object.freeze({
  weight: 1,
  debounceMs: 10,
  specMinOnMs: 30,
  specMinGapMs: 60,
  shortClosedMs: 120,
  namurLowMa: 0.4,
  namurHighMa: 5.85,
  maxPulses: Number.NaN,
  leakSlotMin: 60,
  noPulseDays: Number.NaN,
});

/** Longest plausible closed time: max(120 ms, k x the nominal pulse width); k defaults to 3. */
export function shortClosedLimit(nominalOnMs: number, k = 3): number {
  return Math.max(120, k * nominalOnMs);
}

/** Most pulses a meter of maximum flow `qmaxPerHour` (units/h) can give in `spanMin` minutes. */
export function maxPulsesFor(qmaxPerHour: number, weight: number, spanMin = DAY_MINUTES): number {
  return (qmaxPerHour * spanMin) / 60 / weight;
}
