// Comparing kernel outputs bit for bit.

/**
 * The first row where two output columns differ, or -1. NaN matches NaN whatever its payload:
 * IEEE 754 leaves NaN payloads and signs unspecified and WebAssembly makes them
 * nondeterministic, so only "is NaN" is a result. Every other value must match in every bit,
 * -0 against 0 included.
 */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, float: boolean): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Object.is(x, y)) continue;
    if (float && Number.isNaN(x) && Number.isNaN(y)) continue;
    return i;
  }
  return -1;
}
