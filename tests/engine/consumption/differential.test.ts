// Differential test: the SIMD build, the scalar build and the TypeScript reference agree bit
// for bit on over a million random rows that mix every branch of the kernel, including
// adversarial values (NaN, infinities, -0, huge and negative numbers, zero and negative periods).
import { describe, expect, it } from "vitest";
import type { ConsumptionColumns } from "../../../engine/consumption/index.js";
import { IMPLEMENTATIONS, kernelFor } from "../../helpers/consumption.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { expectAgreement } from "../../helpers/bits.js";

const ROWS = 1_000_003; // odd, so the SIMD build also runs its scalar tail

type Inputs = Pick<ConsumptionColumns, "prev" | "cur" | "scale" | "reset" | "digits" | "mode" | "override" | "prevEnd" | "end">;
const OUTPUTS = ["consumption", "flags", "start", "days", "daily"] as const;

function generate(seed: number, n: number): Inputs {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const bits = new Float64Array(1);
  const bitsU32 = new Uint32Array(bits.buffer);
  const anyDouble = () => {
    bitsU32[0] = (rnd() * 2 ** 32) >>> 0;
    bitsU32[1] = (rnd() * 2 ** 32) >>> 0;
    return bits[0];
  };
  const odd = [Number.NaN, Infinity, -Infinity, -0, 0, -1, 2 ** 53, 2 ** 53 - 1, 1e22, 5e-324, -1e300] as const;
  const value = (): number => {
    const r = rnd();
    if (r < 0.6) return Math.floor(rnd() * 10 ** (1 + Math.floor(rnd() * 8)));
    if (r < 0.8) return rnd() * 1e6;
    if (r < 0.9) return pick(odd);
    if (r < 0.95) return 2 ** 53 - Math.floor(rnd() * 1000);
    return anyDouble();
  };
  const c: Inputs = {
    prev: new Float64Array(n), cur: new Float64Array(n), scale: new Float64Array(n),
    reset: new Float64Array(n), digits: new Uint8Array(n), mode: new Uint8Array(n),
    override: new Float64Array(n), prevEnd: new Int32Array(n), end: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const prev = value();
    const scenario = rnd();
    let cur: number;
    if (scenario < 0.45) cur = prev + Math.floor(rnd() * 1000); // common path
    else if (scenario < 0.5) cur = prev; // equal
    else if (scenario < 0.75) cur = Math.floor(rnd() * Math.max(prev, 1)); // below: rollover
    else cur = value();
    c.prev[i] = rnd() < 0.05 ? Number.NaN : prev;
    c.cur[i] = cur;
    c.scale[i] = pick([1, 1, 1, 0, 0.1, 2.5, 1000, -1, Number.NaN, rnd() * 10]);
    c.reset[i] = rnd() < 0.8 ? Number.NaN : pick([1000, 10000, 1e6, prev + 1, prev, prev / 2, value()]);
    c.digits[i] = rnd() < 0.6 ? 0 : pick([1, 3, 4, 5, 6, 8, 15, 16, 22, 23, 255]);
    c.mode[i] = rnd() < 0.5 ? 0 : pick([0, 1, 1, 2, 255]);
    c.override[i] = rnd() < 0.85 ? Number.NaN : pick([0, -0, 42, -5, 1e300, rnd() * 100, Infinity]);
    const prevEnd = Math.floor(rnd() * 40000) - 10000;
    c.prevEnd[i] = prevEnd;
    c.end[i] = rnd() < 0.02 ? pick([prevEnd, prevEnd - 3, -2147483648, 2147483647]) : prevEnd + 1 + Math.floor(rnd() * 400);
  }
  return c;
}

describe("consumption: SIMD, scalar and reference agree bit for bit", () => {
  for (const seed of seeds(0x5eed_2026)) {
    it(`on ${ROWS.toLocaleString("en")} adversarial rows (seed ${seed}; rerun with MF_SEED=${seed})`, () => {
      const inputs = generate(seed, ROWS);
      const reference = expectAgreement(IMPLEMENTATIONS, (impl) => {
        const kernel = kernelFor(impl as (typeof IMPLEMENTATIONS)[number]);
        const batch = kernel.allocate(ROWS);
        const c = batch.columns;
        for (const name of Object.keys(inputs) as Array<keyof Inputs>) c[name].set(inputs[name] as never);
        kernel.compute(batch, ROWS);
        const out = batch.columns;
        const copy = Object.fromEntries(OUTPUTS.map((k) => [k, out[k].slice()]));
        kernel.release(batch);
        return copy as Pick<ConsumptionColumns, (typeof OUTPUTS)[number]>;
      }, OUTPUTS, (row) => Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, (v as ArrayLike<number>)[row]])));
      // The mix reaches every branch: count rows per flag in the reference output.
      const flags = reference.flags;
      const seen = new Set<number>();
      for (let i = 0; i < ROWS; i++) seen.add(flags[i]);
      expect(seen.size).toBeGreaterThanOrEqual(10);
    });
  }
});
