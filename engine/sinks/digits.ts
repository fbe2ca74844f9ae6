// Decimal digits written straight into bytes, shared by the byte encoders of billing rows
// (sinks/csv-bytes.ts, sinks/ndjson-bytes.ts): no string per number on the hot path.

const ZERO = 48;
const DOT = 46;
const scratch = new Uint8Array(32);

/** "00".."99" as bytes: two digits per division. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i & 1 ? (i >> 1) % 10 : ((i >> 1) / 10) | 0));

/** Digits of an int32 `x` >= 10. */
function width32(x: number): number {
  if (x < 10_000) return x < 100 ? 2 : x < 1_000 ? 3 : 4;
  if (x < 10_000_000) return x < 100_000 ? 5 : x < 1_000_000 ? 6 : 7;
  return x < 100_000_000 ? 8 : x < 1_000_000_000 ? 9 : 10;
}

/** Writes the non-negative integer `v` (below 2^53) at `at`; returns the position after it. */
export function writeInteger(buf: Uint8Array, at: number, v: number): number {
  if (v < 10) {
    buf[at] = ZERO + v;
    return at + 1;
  }
  if (v <= 0x7fffffff) {
    // int32 arithmetic (a double division is slower), two digits at a time from the last.
    let x = v | 0;
    const end = at + width32(x);
    let i = end;
    while (x >= 100) {
      const q = (x / 100) | 0;
      const r = (x - q * 100) << 1;
      buf[--i] = PAIRS[r + 1];
      buf[--i] = PAIRS[r];
      x = q;
    }
    if (x >= 10) {
      buf[--i] = PAIRS[(x << 1) + 1];
      buf[--i] = PAIRS[x << 1];
    } else {
      buf[--i] = ZERO + x;
    }
    return end;
  }
  const d = scratch;
  let n = 0;
  while (v > 0) {
    const q = Math.floor(v / 10);
    d[n++] = v - q * 10;
    v = q;
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
