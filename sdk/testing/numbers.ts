// Numbers for the conformance suite: adjacent doubles ("just outside" a range, "just beyond" a
// limit) and a seeded generator, so a failing batch reproduces.

/**
 * The smallest double above `x`: "just above" a limit.
 *
 * @example
 * nextUp(100);   // 100.00000000000001
 */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x;
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/**
 * The largest double below `x`: "just below" a limit.
 *
 * @example
 * nextDown(0);   // -5e-324
 */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

/** mulberry32: a small, fast 32-bit generator; floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
