// Differential test: the SIMD build, the scalar build and the TypeScript reference of the pulse
// event kernel agree bit for bit (NaN matches NaN) on over a million events per seed: clean
// pulse trains, bounce bursts on integer milliseconds (so off-times and pulse lengths hit the
// debounce time exactly), equal timestamps, +-0, zero, negative, NaN and infinite on-times, huge
// gaps, leading edges without on-times, many tiny and empty intervals, intervals longer than the
// kernel's cache block, and odd interval bounds and debounce times. Then out-of-order streams must fail alike, writing nothing.
import { describe, expect, it } from "vitest";
import { EVENT_INTERVAL_OUTPUTS } from "../../../engine/pulses/index.js";
import type { EventIntervalOutput, PulseImplementation } from "../../../engine/pulses/index.js";
import { expectAgreement } from "../../helpers/bits.js";
import { mulberry32, seeds } from "../../helpers/random.js";
import { eventKernelFor, IMPLEMENTATIONS } from "./helpers.js";

const EVENTS = 1_000_000;

interface Stream {
  n: number;
  m: number;
  interval: Uint32Array;
  t: Float64Array;
  onMs: Float64Array;
  reverse: Uint8Array;
  startMs: Float64Array;
  endMs: Float64Array;
  debounceMs: Float64Array;
  /** Events of interval j: [first[j], first[j + 1]). */
  first: Int32Array;
}

const ODD_ON = [0, -0, Number.NaN, Number.NaN, Infinity, -Infinity, -5, 5e-324, 1e300, 10, 30] as const;
const ODD_BOUND = [Number.NaN, Infinity, -Infinity, -0, 0] as const;
const DEBOUNCE = [10, 10, 10, 30, 5, 0, -1, Number.NaN, 1e-9, 1e9, Infinity] as const;

function generate(seed: number, minEvents: number): Stream {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const cap = minEvents + 20_001;
  const interval = new Uint32Array(cap);
  const t = new Float64Array(cap);
  const onMs = new Float64Array(cap);
  const reverse = new Uint8Array(cap);
  const starts: number[] = [];
  const ends: number[] = [];
  const debounces: number[] = [];
  const first: number[] = [];
  let n = 0;
  while (n < minEvents) {
    const j = starts.length;
    first.push(n);
    const mood = rnd();
    const kind = mood < 0.1 ? "empty" : mood < 0.4 ? "tiny" : mood < 0.6 ? "clean" : mood < 0.82 ? "bouncy"
      : mood < 0.823 ? "long" : mood < 0.86 ? "blind" : "odd";
    const k = kind === "empty" ? 0 : kind === "tiny" ? int(1, 3) : kind === "clean" ? int(2, 100)
      : kind === "bouncy" ? int(2, 100) : kind === "long" ? int(4000, 12_000) : kind === "blind" ? int(1, 50) : int(1, 60);
    const d = rnd() < 0.2 ? pick([1, 2, 5, 9, 10, 11, 30]) : pick(DEBOUNCE);
    // Integer bases keep bouncy arithmetic exact; some streams sit at +-0 or far out.
    let time = kind === "odd" ? pick([0, -0, -1e6, 1e15, 1.7e12 + 0.5, -1e300]) : 1.7e12 + int(0, 1e9);
    const from = time;
    for (let e = 0; e < k; e++) {
      let step: number;
      let on: number;
      if (kind === "clean" || kind === "long" || kind === "tiny" || kind === "blind") {
        step = e === 0 ? 0 : Math.round(60 + rnd() * 60_000);
        on = kind === "blind" ? Number.NaN : 30 + Math.floor(rnd() * 90); // blind: leading edges only
      } else if (kind === "bouncy") {
        const r = rnd();
        if (r < 0.4) { step = pick([1, 2, 3, 5, 9, 10, 11, 12, 15, 20]); on = pick([0.5, 1, 2, 5, 8, 9, 10, 11]); }
        else if (r < 0.5) { step = 0; on = pick([0, 1, 10, 40]); }
        else { step = pick([20, 30, 40, 50, 60, 100, 500, 3000]); on = pick([10, 20, 30, 40, 50, 80]); }
        if (e === 0) step = 0;
      } else {
        step = e === 0 ? 0 : pick([0, 0, 5e-324, 1e-300, 0.1, 1, 10, 1e12, 1e200]);
        on = rnd() < 0.6 ? pick(ODD_ON) : rnd() * 50 - 5;
      }
      if (Number.isFinite(time + step)) time += step;
      interval[n] = j;
      t[n] = time;
      onMs[n] = on;
      reverse[n] = rnd() < 0.03 ? Math.floor(rnd() * 256) : 0;
      n++;
    }
    const b = rnd();
    if (b < 0.08) { starts.push(pick(ODD_BOUND)); ends.push(pick(ODD_BOUND)); }
    else if (b < 0.16) { starts.push(time + 1000); ends.push(from - 1000); } // bounds that miss the events
    else {
      starts.push(from - (b < 0.3 ? 0 : Math.floor(rnd() * 3_600_000)));
      ends.push(time + (b < 0.4 ? 0 : Math.floor(rnd() * 3_600_000)));
    }
    debounces.push(d);
  }
  first.push(n);
  return {
    n, m: starts.length, interval: interval.subarray(0, n), t: t.subarray(0, n), onMs: onMs.subarray(0, n),
    reverse: reverse.subarray(0, n), startMs: Float64Array.from(starts), endMs: Float64Array.from(ends),
    debounceMs: Float64Array.from(debounces), first: Int32Array.from(first),
  };
}

type Outputs = Record<EventIntervalOutput, Float64Array>;

function run(impl: PulseImplementation, s: Stream): Outputs {
  const kernel = eventKernelFor(impl);
  const batch = kernel.allocate(s.n, s.m);
  try {
    load(batch.events, batch.intervals, s);
    kernel.compute(batch, s.n, s.m);
    const out = batch.intervals;
    return Object.fromEntries(EVENT_INTERVAL_OUTPUTS.map((k) => [k, out[k].slice(0, s.m)])) as Outputs;
  } finally {
    kernel.release(batch);
  }
}

function load(e: { interval: Uint32Array; t: Float64Array; onMs: Float64Array; reverse: Uint8Array }, c: Record<"startMs" | "endMs" | "debounceMs", Float64Array>, s: Stream): void {
  e.interval.set(s.interval);
  e.t.set(s.t);
  e.onMs.set(s.onMs);
  e.reverse.set(s.reverse);
  c.startMs.set(s.startMs);
  c.endMs.set(s.endMs);
  c.debounceMs.set(s.debounceMs);
}

/** Interval j's inputs, for a failure message. */
function describeInterval(s: Stream, j: number): unknown {
  const from = s.first[j];
  const to = Math.min(s.first[j + 1], from + 40);
  return {
    startMs: s.startMs[j], endMs: s.endMs[j], debounceMs: s.debounceMs[j], events: s.first[j + 1] - from,
    first: Array.from({ length: to - from }, (_, k) => [s.t[from + k], s.onMs[from + k], s.reverse[from + k]]),
  };
}

describe("pulse events: SIMD, scalar and reference agree bit for bit", () => {
  for (const seed of seeds(0x5eed_e7e7)) {
    it(`on ${EVENTS.toLocaleString("en")}+ events (seed ${seed}; rerun with MF_SEED=${seed})`, () => {
      const s = generate(seed, EVENTS);
      const reference = expectAgreement(IMPLEMENTATIONS, (impl) => run(impl as PulseImplementation, s),
        EVENT_INTERVAL_OUTPUTS, (j) => describeInterval(s, j));
      // The mix reaches every rule both ways.
      const r = reference as Outputs;
      let bounced = 0, kept = 0, empty = 0, unmeasured = 0, busy = 0, startSlot = 0;
      for (let j = 0; j < s.m; j++) {
        if (r.count[j] === 0) empty++;
        else if (r.debounced[j] < r.count[j]) bounced++;
        else if (s.debounceMs[j] > 0) kept++;
        if (r.count[j] > 0 && Number.isNaN(r.minOnMs[j])) unmeasured++;
        if (r.count[j] > 0 && r.pulseFreeMaxMin[j] === 0) busy++;
        if (r.count[j] > 1 && r.pulseFreeMaxMin[j] === (s.t[s.first[j]] - s.startMs[j]) / 60_000 && r.pulseFreeMaxMin[j] > 0) startSlot++;
      }
      expect(s.n).toBeGreaterThanOrEqual(EVENTS);
      expect(s.m).toBeGreaterThan(10_000); // many small intervals, not a few huge ones
      for (const [what, seen] of Object.entries({ bounced, kept, empty, unmeasured, busy, startSlot })) {
        expect(seen, what).toBeGreaterThan(100);
      }
    });
  }
});

describe("pulse events out of order: every implementation refuses, writing nothing", () => {
  for (const seed of seeds(0x0bad_0de7)) {
    it(`on random misplacements (seed ${seed}; rerun with MF_SEED=${seed})`, () => {
      const s = generate(seed, 20_000);
      const rnd = mulberry32(seed ^ 0x5a5a5a5a);
      const batches = IMPLEMENTATIONS.map((impl) => {
        const kernel = eventKernelFor(impl);
        return { impl, kernel, batch: kernel.allocate(s.n, s.m) };
      });
      try {
        for (let round = 0; round < 40; round++) {
          const p = 1 + Math.floor(rnd() * (s.n - 1));
          const kind = round % 5;
          const mutated = { ...s, interval: s.interval.slice(), t: s.t.slice() };
          if (kind === 0) mutated.t[p] = Number.NaN;
          else if (kind === 1) mutated.t[p] = rnd() < 0.5 ? Infinity : -Infinity;
          else if (kind === 2) mutated.interval[p] = s.m + Math.floor(rnd() * 3);
          else if (kind === 3) {
            // Back in time, by enough to survive rounding at any magnitude.
            const prev = s.t[p - 1];
            mutated.interval[p] = s.interval[p - 1];
            mutated.t[p] = prev - Math.abs(prev) * 0.5 - 1;
          }
          else mutated.interval[p] = s.interval[p - 1] > 0 ? s.interval[p - 1] - 1 : 0xffff_ffff;
          for (const { impl, kernel, batch } of batches) {
            load(batch.events, batch.intervals, mutated);
            batch.intervals.count.fill(-7);
            expect(() => kernel.compute(batch, s.n, s.m), `${impl}, kind ${kind} at ${p}`).toThrow(/not sorted/);
            expect(batch.intervals.count.every((x) => x === -7), `${impl} wrote an output`).toBe(true);
          }
        }
      } finally {
        for (const { kernel, batch } of batches) kernel.release(batch);
      }
    });
  }
});
