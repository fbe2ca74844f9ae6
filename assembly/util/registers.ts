// Register arithmetic shared by the kernels: powers of ten and digit inference.
// The TypeScript twin is engine/consumption/registers.ts; both must stay identical.

/** Largest dial count used for arithmetic: 10^22 is the largest exactly representable power of ten. */
export const MAX_DIGITS: i32 = 22;

// 10^0 .. 10^22, all exact in f64.
const POW10: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

/** 10^d for 0 <= d <= MAX_DIGITS. */
// @ts-ignore: decorator
@inline export function pow10(d: i32): f64 {
  return load<f64>(POW10 + (<usize>d << 3));
}

/** Integer digits of a non-negative reading: 145 -> 3, 4825 -> 4, 0.5 -> 1; capped at MAX_DIGITS. */
export function inferDigits(prev: f64): i32 {
  let d = 1;
  while (d < MAX_DIGITS && prev >= pow10(d)) d++;
  return d;
}
