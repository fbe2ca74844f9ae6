// Validation that needs the registry: a value at or beyond what the register can show, a pulse
// meter's count (or debounced count) that is not a whole number, or a debounced count above it,
// and a pulse count for a register meter.
import type { ReadingBatch } from "./batch.js";
import { MAX_REGISTER } from "../consumption/registers.js";
import { REJECT } from "./reasons.js";

/** The exclusive upper bound of a register's values: 10^digits, or the reset value; MAX_REGISTER (10^22) when neither. */
export function registerLimit(digits: number, reset: number): number {
  let limit = MAX_REGISTER;
  if (digits > 0) limit = Math.min(limit, 10 ** digits);
  if (reset === reset && reset < limit) limit = reset;
  return limit;
}

/**
 * Why a value breaks its meter's registry limits (0: it does not): a pulse meter's count, and its
 * debounced count (`pulse_debounced`, NaN when not given) must be whole (`bad_pulse_count`), the
 * debounced one no more than the count (debouncing merges and drops pulses, it never adds one:
 * `bad_pulse_field`), and below MAX_REGISTER; a register meter's value no pulse count (a debounced
 * count given, as every pulse-events day has: `not_a_pulse_meter`) and below its range (`registerLimit`).
 */
export function limitReason(value: number, digits: number, reset: number, pulseWeight: number, debounced: number): number {
  if (pulseWeight === pulseWeight) {
    if (!Number.isInteger(value) || (debounced === debounced && !Number.isInteger(debounced))) return REJECT.bad_pulse_count;
    if (value >= MAX_REGISTER) return REJECT.value_exceeds_register;
    return debounced > value ? REJECT.bad_pulse_field : 0;
  }
  // A debounced count (every pulse-events day has one) says the value is a pulse count.
  if (debounced === debounced) return REJECT.not_a_pulse_meter;
  return value >= registerLimit(digits, reset) ? REJECT.value_exceeds_register : 0;
}

/**
 * Whether row `row` is a sensor row (channel values, no register value): it carries no count and
 * no register value, so no registry limit applies to it (a pulse meter's radio module reporting
 * its tamper contact or temperature is judged as any sensor row, not rejected bad_pulse_count).
 */
export function isSensorRow(batch: ReadingBatch, row: number): boolean {
  return batch.sensorRow !== undefined && batch.sensorRow[row] === 1;
}

/** Row `row`'s debounced count (`pulse_debounced`), NaN when the batch or the row has none. */
export function debouncedOf(batch: ReadingBatch, row: number): number {
  return batch.pulse === undefined ? Number.NaN : batch.pulse.debouncedIn[row];
}

export interface RegistryLimits {
  /** Dial count, 0 when not configured. */
  digits: Uint8Array;
  /** Reset value, NaN when none. */
  reset: Float64Array;
  /** Pulse weight (units per pulse) of a pulse meter; NaN for a register meter. */
  pulseWeight: Float64Array;
}

/**
 * Rejects valid rows of known meters that the registry rules out (`limitReason`): a register
 * value that reaches its limit, a pulse count that is not whole or a debounced count above it.
 * Keeps their raw text; returns how many it rejected.
 */
export function rejectByRegistry(batch: ReadingBatch, keys: Int32Array, registry: RegistryLimits): number {
  const { digits, reset, pulseWeight } = registry;
  let rejected = 0;
  for (let row = 0; row < batch.length; row++) {
    const k = keys[row];
    if (batch.reject[row] !== 0 || k < 0 || isSensorRow(batch, row)) continue;
    const reason = limitReason(batch.value[row], digits[k], reset[k], pulseWeight[k], debouncedOf(batch, row));
    if (reason === 0) continue;
    batch.reject[row] = reason;
    if (!batch.rejectedRaw.has(row)) batch.rejectedRaw.set(row, batch.rawOf(row));
    rejected++;
  }
  return rejected;
}
