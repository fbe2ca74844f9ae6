// Register arithmetic of the reference implementation; the twin of assembly/util/registers.ts.

/** Largest dial count used for arithmetic: 10^22 is the largest exactly representable power of ten. */
export const MAX_DIGITS = 22;

const POW10 = new Float64Array([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

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
