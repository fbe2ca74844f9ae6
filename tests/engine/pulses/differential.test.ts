// Differential test: the SIMD build, the scalar build and the TypeScript reference of the pulse
// interval kernel agree bit for bit on random rows that sit on, just off and far from every
// threshold, with NaN (not measured / rule off), infinities, -0 and arbitrary doubles mixed in.
import { describe, expect, it } from "vitest";
import { INPUT_COLUMNS, THRESHOLD_COLUMNS } from "../../../engine/pulses/index.js";
import type { InputColumn, PulseColumns, ThresholdColumn } from "../../../engine/pulses/index.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { IMPLEMENTATIONS, pulseKernelFor } from "./helpers.js";
import { expectAgreement } from "../../helpers/bits.js";

const ROWS = 250_001; // odd, so the SIMD build also runs its scalar tail

type Column = InputColumn | ThresholdColumn;
const NAMES: readonly Column[] = [...INPUT_COLUMNS, ...THRESHOLD_COLUMNS];
const OUTPUTS = ["debounced", "consumption", "faults"] as const;

// Typical values of each column; thresholds and measurements draw from overlapping sets so
// equality (the boundary of every strict rule) happens often.
const TYPICAL: Record<Column, readonly number[]> = {
  count: [0, 0, 1, 1200, 5999, 6000, 6001, 1e6],
  // Mostly not given (the kernel bills count), else a debounced count at or below the raw one.
  debouncedIn: [Number.NaN, Number.NaN, Number.NaN, 0, 1, 1199, 1200, 6000],
  minOnMs: [1, 9.99, 10, 25, 29.999, 30, 30.001, 50, 80, 250],
  minGapMs: [6, 45, 59.9, 60, 60.1, 2000],
  maxClosedMs: [30, 95, 119.9, 120, 120.001, 300, 45_000],
  loopMinMa: [0, 0.2, 0.39999, 0.4, 0.40001, 1.0, 2.1],
  loopMaxMa: [1.2, 2.4, 5.84, 5.85, 5.8500001, 7],
  tamperOpen: [0, 0, 0, 1],
  tamperEvents: [0, 0, 0, 1, 2],
  reverseCount: [0, 0, 0, 1, 3],
  pulseFreeMaxMin: [0, 20, 59.99, 60, 60.01, 360, 1440],
  spanMin: [1440, 1440, 1439.99, 360, 2880],
  idleDays: [0, 1, 29, 30, 31, 400],
  weight: [1, 10, 0.01, 0.001, 0, -1, 1e300],
  debounceMs: [10, 10, 30, 50, 0],
  specMinOnMs: [30, 30, 25],
  specMinGapMs: [60, 60, 45],
  shortClosedMs: [120, 120, 300],
  namurLowMa: [0.4, 0.4, 0.35],
  namurHighMa: [5.85, 5.85, 6.5],
  maxPulses: [6000, 6000, 1e6, 0],
  leakSlotMin: [60, 60, 30],
  noPulseDays: [30, 30, 7],
};

function generate(seed: number, n: number): Record<Column, Float64Array> {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const bits = new Float64Array(1);
  const bitsU32 = new Uint32Array(bits.buffer);
  const anyDouble = () => {
    bitsU32[0] = (rnd() * 2 ** 32) >>> 0;
    bitsU32[1] = (rnd() * 2 ** 32) >>> 0;
    return bits[0];
  };
  const odd = [Number.NaN, Number.NaN, Infinity, -Infinity, -0, 0, -1, 2 ** 53, 5e-324, -1e300] as const;
  const out = Object.fromEntries(NAMES.map((k) => [k, new Float64Array(n)])) as Record<Column, Float64Array>;
  for (let i = 0; i < n; i++) {
    // A per-row mood: mostly typical, some rows entirely unmeasured, some adversarial.
    const mood = rnd();
    for (const name of NAMES) {
      const r = rnd();
      let v: number;
      if (mood < 0.05) v = Number.NaN;
      else if (r < 0.7) v = pick(TYPICAL[name]);
      else if (r < 0.85) v = rnd() * 2 * pick(TYPICAL[name]);
      else if (r < 0.93) v = Number.NaN;
      else if (r < 0.98) v = pick(odd);
      else v = anyDouble();
      out[name][i] = v;
    }
  }
  return out;
}

describe("pulse intervals: SIMD, scalar and reference agree bit for bit", () => {
  for (const seed of seeds(0x9015_2026)) {
    it(`on ${ROWS.toLocaleString("en")} adversarial rows (seed ${seed}; rerun with MF_SEED=${seed})`, () => {
      const inputs = generate(seed, ROWS);
      const reference = expectAgreement(IMPLEMENTATIONS, (impl) => {
        const kernel = pulseKernelFor(impl as (typeof IMPLEMENTATIONS)[number]);
        const batch = kernel.allocate(ROWS);
        const c = batch.columns;
        for (const name of NAMES) c[name].set(inputs[name]);
        kernel.compute(batch, ROWS);
        const out = batch.columns;
        const copy = Object.fromEntries(OUTPUTS.map((k) => [k, out[k].slice()]));
        kernel.release(batch);
        return copy as Pick<PulseColumns, (typeof OUTPUTS)[number]>;
      }, OUTPUTS, (row) => Object.fromEntries(NAMES.map((k) => [k, inputs[k][row]])));
      // The mix reaches every rule, both ways: each of the 7 bits is set on some rows and clear
      // on others, and many combinations occur.
      const faults = reference.faults;
      const seen = new Set<number>();
      let any = 0;
      let all = 0x7fff;
      for (let i = 0; i < ROWS; i++) {
        seen.add(faults[i]);
        any |= faults[i];
        all &= faults[i];
      }
      expect(any).toBe(0x7f00);
      expect(all).toBe(0);
      expect(seen.size).toBeGreaterThanOrEqual(64);
    });
  }
});
