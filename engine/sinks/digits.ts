// Decimal digits written straight into bytes, shared by the byte encoders of billing rows
// (sinks/csv-bytes.ts, sinks/ndjson-bytes.ts): no string per number on the hot path.

const ZERO = 48;
const DOT = 46;
const scratch = new Uint8Array(32);

/** Writes the non-negative integer `v` (below 2^53) at `at`; returns the position after it. */
export function writeInteger(buf: Uint8Array, at: number, v: number): number {
  if (v < 10) {
    buf[at] = ZERO + v;
    return at + 1;
  }
  const d = scratch;
  let n = 0;
  if (v <= 0x7fffffff) {
    // int32 arithmetic: a double division is slower.
    let x = v | 0;
    while (x > 0) {
      const q = (x / 10) | 0;
      d[n++] = x - q * 10;
      x = q;
    }
  } else {
    while (v > 0) {
      const q = Math.floor(v / 10);
      d[n++] = v - q * 10;
      v = q;
    }
  }
  while (n > 0) buf[at++] = ZERO + d[--n];
  return at;
}

/** Writes "." and a fraction of `frac` millionths (1 to 999,999) without trailing zeros; returns the position after it. */
export function writeMillionths(buf: Uint8Array, at: number, frac: number): number {
  if (!(frac > 0)) return at;
  buf[at++] = DOT;
  let width = 6;
  while (frac % 10 === 0) {
    frac = (frac / 10) | 0;
    width--;
  }
  for (let i = width - 1; i >= 0; i--) {
    const q = (frac / 10) | 0;
    buf[at + i] = ZERO + frac - q * 10;
    frac = q;
  }
  return at + width;
}
