// Seeded pseudo-random numbers for differential tests: a failing seed reproduces the failure.

/** mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
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

/** A seeded generator with the draws the property tests use: floats in [0, 1), integers below `n`, one of `xs`. */
export function random(seed: number) {
  const next = mulberry32(seed);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

/** A fresh seed for this run, and the fixed one, so every run covers new ground reproducibly. */
export function seeds(fixed: number): number[] {
  const env = process.env.MF_SEED;
  if (env !== undefined) return [Number(env) >>> 0];
  return [fixed, (Math.random() * 2 ** 32) >>> 0];
}
