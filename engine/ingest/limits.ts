// Validation that needs the registry: a value at or beyond what the register can show.
import type { ReadingBatch } from "./batch.js";
import { REJECT } from "./reasons.js";

/** The exclusive upper bound of a register's values: 10^digits, or the reset value; Infinity when neither. */
export function registerLimit(digits: number, reset: number): number {
  let limit = Number.POSITIVE_INFINITY;
  if (digits > 0) limit = 10 ** digits;
  if (reset === reset && reset < limit) limit = reset;
  return limit;
}

/**
 * Rejects valid rows whose value reaches their meter's limit (`limitOf(row)`), keeping their
 * raw text. Returns how many it rejected.
 */
export function rejectBeyondRegister(batch: ReadingBatch, limitOf: (row: number) => number): number {
  let rejected = 0;
  for (let row = 0; row < batch.length; row++) {
    if (batch.reject[row] !== 0 || batch.meter[row] < 0) continue;
    if (batch.value[row] >= limitOf(row)) {
      batch.reject[row] = REJECT.value_exceeds_register;
      if (!batch.rejectedRaw.has(row)) batch.rejectedRaw.set(row, batch.rawOf(row));
      rejected++;
    }
  }
  return rejected;
}
