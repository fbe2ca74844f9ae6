// Register arithmetic of the reference implementation; the twin of assembly/util/registers.ts.

/** Largest dial count used for arithmetic: 10^22 is the largest exactly representable power of ten. */
export const MAX_DIGITS = 22;

const POW10 = new Float64Array([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

/**
 * The bound of every register value, reset value and baseline (10^MAX_DIGITS, a register of 22
 * dials), whatever the registry says, and of a pulse count: with scaling factors and pulse weights
 * at most MAX_MULTIPLIER, every consumption is a finite number (below 2 x 10^31). Without them, a
 * scaling factor of 1e300 billed `Infinity`.
 */
export const MAX_REGISTER = 1e22;

/** The largest `scaling_factor` and `pulse_weight` (10^9: a 400 kV / 100 V x 5,000 A / 1 A meter's factor is 2 x 10^7). */
export const MAX_MULTIPLIER = 1e9;

/** 10^d for 0 <= d <= MAX_DIGITS. */
export function pow10(d: number): number {
  return POW10[d];
}

/** Integer digits of a non-negative reading: 145 -> 3, 4825 -> 4, 0.5 -> 1; capped at MAX_DIGITS. */
export function inferDigits(prev: number): number {
  let d = 1;
  while (d < MAX_DIGITS && prev >= POW10[d]) d++;
  return d;
}

/** `rollover_mode` codes of the mode column. */
export const ROLLOVER_MODE = Object.freeze({ documented: 0, modulus: 1 } as const);

/** A rollover mode's name. */
export type RolloverMode = keyof typeof ROLLOVER_MODE;

/**
 * Default share of the register range above which a wrap is `implausible_rollover` (rule 8):
 * a wrap that implies more than half the register's range in one period is more likely a
 * meter exchange or a register running backwards than consumption.
 */
export const DEFAULT_MAX_WRAP_SHARE = 0.5;
