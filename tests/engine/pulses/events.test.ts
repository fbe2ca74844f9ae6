// Pulse event kernel: each rule of assembly/pulse-events.ts on hand-made event streams, in every
// implementation (SIMD, scalar, reference).
import { describe, expect, it } from "vitest";
import { createPulseEventKernel, createPulseKernel, STATUS_UNSORTED } from "../../../engine/pulses/index.js";
import type { PulseImplementation } from "../../../engine/pulses/index.js";
import { flagNames } from "../../../engine/flags/index.js";
import { KernelCallError, loadKernels } from "../../../engine/wasm/index.js";
import { eventKernelFor, IMPLEMENTATIONS, summarise } from "./helpers.js";
import type { EventRow, IntervalRow } from "./helpers.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Pulses of `onMs` every `periodMs` from `from` (inclusive) to `to` (exclusive). */
function train(from: number, to: number, periodMs = MIN, onMs = 100, interval = 0): EventRow[] {
  const out: EventRow[] = [];
  for (let t = from; t < to; t += periodMs) out.push({ interval, t, onMs });
  return out;
}

describe.each(IMPLEMENTATIONS)("pulse events (%s)", (impl: PulseImplementation) => {
  const one = (events: EventRow[], interval: IntervalRow = {}) => summarise(impl, events, [interval])[0];

  it("clean pulses: every pulse counts; on-times, gaps, slots and span", () => {
    const r = one([{ t: HOUR, onMs: 80 }, { t: HOUR + 2000, onMs: 80 }, { t: HOUR + 4000, onMs: 80 }]);
    expect(r).toEqual({
      count: 3, debounced: 3, minOnMs: 80, minGapMs: 2000, maxClosedMs: 80, reverseCount: 0,
      pulseFreeMaxMin: (DAY - (HOUR + 4080)) / MIN, spanMin: 1440,
    });
  });

  it("a bounce burst after a pulse is dropped: each spike is shorter than the debounce time", () => {
    const r = one([
      { t: 1000, onMs: 40 },
      { t: 1100, onMs: 2 }, { t: 1122, onMs: 2 }, { t: 1144, onMs: 2 }, // 20 ms apart: separate spikes
    ]);
    expect(r).toMatchObject({ count: 4, debounced: 1, minOnMs: 2, maxClosedMs: 40, minGapMs: 22 });
  });

  it("contact chatter (spikes 2 ms apart) merges, and the merged 7 ms is still below the debounce", () => {
    const r = one([{ t: 1000, onMs: 50 }, { t: 5000, onMs: 1 }, { t: 5003, onMs: 1 }, { t: 5006, onMs: 1 }]);
    expect(r).toMatchObject({ count: 4, debounced: 1 });
  });

  it("a pulse split by a 3 ms bounce gap counts once", () => {
    const r = one([{ t: 1000, onMs: 30 }, { t: 1033, onMs: 40 }]);
    expect(r).toMatchObject({ count: 2, debounced: 1, minOnMs: 30, maxClosedMs: 40, minGapMs: 33 });
  });

  it("a fast legal train, 30 ms on and 30 ms off, with a 10 ms debounce counts every pulse", () => {
    const r = one(train(1000, 1000 + 500 * 60, 60, 30));
    expect(r).toMatchObject({ count: 500, debounced: 500, minOnMs: 30, maxClosedMs: 30, minGapMs: 60 });
  });

  it("on-time and off-time exactly at the debounce time count (the filter drops only shorter)", () => {
    const r = one(train(1000, 1000 + 50 * 20, 20, 10));
    expect(r).toMatchObject({ count: 50, debounced: 50 });
    expect(one(train(1000, 1000 + 50 * 20, 20, 9.999))).toMatchObject({ count: 50, debounced: 0 });
  });

  it("overlapping events: slots run from the latest end so far; overlaps merge", () => {
    const events = [{ t: 1000, onMs: 100 }, { t: 1050, onMs: 20 }, { t: 1200, onMs: 10 }];
    const r = one(events, { startMs: 0, endMs: 10_000 });
    expect(r).toEqual({
      count: 3, debounced: 2, minOnMs: 10, minGapMs: 50, maxClosedMs: 100, reverseCount: 0,
      pulseFreeMaxMin: 8790 / MIN, spanMin: 10_000 / MIN,
    });
    // A long closure covering later events: the slots inside it are negative and lose.
    const covered = one([{ t: 1000, onMs: 5000 }, { t: 2000, onMs: 10 }, { t: 3000, onMs: 10 }], { startMs: 0, endMs: 10_000 });
    expect(covered).toMatchObject({ count: 3, debounced: 1, pulseFreeMaxMin: 4000 / MIN });
  });

  it("equal timestamps are in order: a zero gap, and the events merge", () => {
    const r = one([{ t: 1000, onMs: 40 }, { t: 1000, onMs: 40 }, { t: 5000, onMs: 40 }]);
    expect(r).toMatchObject({ count: 3, debounced: 2, minGapMs: 0 });
  });

  it("an interval without events: zero counts, NaN on-times and gap, the whole span pulse-free", () => {
    const events = [{ interval: 0, t: HOUR, onMs: 80 }, { interval: 2, t: HOUR, onMs: 80 }];
    const [a, empty, c] = summarise(impl, events, [{}, {}, {}]);
    expect(empty).toEqual({
      count: 0, debounced: 0, minOnMs: Number.NaN, minGapMs: Number.NaN, maxClosedMs: Number.NaN,
      reverseCount: 0, pulseFreeMaxMin: 1440, spanMin: 1440,
    });
    expect(a.count).toBe(1);
    expect(c.count).toBe(1);
    // No events at all.
    expect(summarise(impl, [], [{ startMs: 0, endMs: 6 * HOUR }])[0]).toMatchObject({ count: 0, pulseFreeMaxMin: 360, spanMin: 360 });
  });

  it("one event: on-times known, no gap", () => {
    expect(one([{ t: HOUR, onMs: 80 }])).toMatchObject({ count: 1, debounced: 1, minOnMs: 80, maxClosedMs: 80, minGapMs: Number.NaN });
  });

  it("the longest pulse-free slot at the start of the interval", () => {
    const r = one(train(20 * HOUR, DAY));
    expect(r.pulseFreeMaxMin).toBe(1200);
  });

  it("the longest pulse-free slot in the middle of the interval", () => {
    const morning = train(30_000, 6 * HOUR);
    const rest = train(12 * HOUR, DAY);
    const r = one([...morning, ...rest]);
    expect(r.pulseFreeMaxMin).toBe((12 * HOUR - (morning[morning.length - 1].t + 100)) / MIN);
    expect(r.pulseFreeMaxMin).toBeGreaterThan(359);
  });

  it("the longest pulse-free slot at the end of the interval", () => {
    const night = train(0, 4 * HOUR);
    const r = one(night);
    expect(r.pulseFreeMaxMin).toBe((DAY - (night[night.length - 1].t + 100)) / MIN);
    expect(r.pulseFreeMaxMin).toBeGreaterThan(1199);
  });

  it("a leak: pulses every minute all day leave no slot longer than a minute", () => {
    expect(one(train(0, DAY)).pulseFreeMaxMin).toBe((MIN - 100) / MIN);
  });

  it("counts reversed events: any non-zero direction byte", () => {
    const events = [0, 1, 255, 0, 2].map((reverse, k) => ({ t: 1000 + k * 1000, onMs: 50, reverse }));
    expect(one(events)).toMatchObject({ count: 5, reverseCount: 3 });
  });

  it.each([Number.NaN, 0, -5])("debounce time %s: no debouncing, every event counts", (debounceMs) => {
    const bouncy = [{ t: 1000, onMs: 30 }, { t: 1033, onMs: 2 }, { t: 1036, onMs: 1 }, { t: 1037, onMs: 0 }];
    expect(one(bouncy, { debounceMs })).toMatchObject({ count: 4, debounced: 4 });
  });

  it("NaN on-times are not measured: skipped by min/max, the pulse ends at its leading edge", () => {
    const r = one([{ t: 1000, onMs: Number.NaN }, { t: 2000, onMs: 70 }, { t: 3000, onMs: Number.NaN }], { startMs: 0, endMs: 10_000 });
    expect(r).toMatchObject({ count: 3, minOnMs: 70, maxClosedMs: 70, pulseFreeMaxMin: 7000 / MIN });
    // Without any on-time: NaN, and (with a debounce time) no pulse lasts long enough to count.
    const blind = one([{ t: 1000, onMs: Number.NaN }, { t: 2000, onMs: Number.NaN }]);
    expect(blind).toMatchObject({ count: 2, debounced: 0, minOnMs: Number.NaN, maxClosedMs: Number.NaN, minGapMs: 1000 });
    expect(one([{ t: 1000, onMs: Number.NaN }], { debounceMs: Number.NaN }).debounced).toBe(1);
  });

  it("a negative on-time is reported as measured but ends the pulse at its leading edge", () => {
    const r = one([{ t: 1000, onMs: -5 }, { t: 2000, onMs: 20 }], { startMs: 0, endMs: 3000 });
    expect(r).toMatchObject({ minOnMs: -5, maxClosedMs: 20, debounced: 1, pulseFreeMaxMin: 1000 / MIN });
  });

  it("NaN interval bounds: span NaN, the slots they bound are skipped", () => {
    const r = one([{ t: 1000, onMs: 10 }, { t: 5000, onMs: 10 }], { startMs: Number.NaN, endMs: Number.NaN });
    expect(r).toMatchObject({ count: 2, spanMin: Number.NaN, pulseFreeMaxMin: 3990 / MIN });
  });

  it("a new interval may start earlier in time than the last one ended", () => {
    const r = summarise(impl, [{ interval: 0, t: 5000, onMs: 10 }, { interval: 1, t: 1000, onMs: 10 }], [{}, {}]);
    expect(r.map((x) => x.count)).toEqual([1, 1]);
  });

  describe("events out of order: KernelCallError, no output written", () => {
    const cases: Array<[string, EventRow[], number]> = [
      ["an interval id decreases", [{ interval: 0, t: 1, onMs: 1 }, { interval: 1, t: 2, onMs: 1 }, { interval: 0, t: 3, onMs: 1 }], 2],
      ["an interval id past the intervals", [{ interval: 0, t: 1, onMs: 1 }, { interval: 2, t: 2, onMs: 1 }], 2],
      ["the first interval id past the intervals", [{ interval: 0x8000_0000, t: 1, onMs: 1 }, { interval: 1, t: 2, onMs: 1 }], 2],
      ["time decreases inside an interval", [{ t: 2000, onMs: 1 }, { t: 1000, onMs: 1 }], 1],
      ["a NaN time", [{ t: 1000, onMs: 1 }, { t: Number.NaN, onMs: 1 }], 1],
      ["a NaN first time", [{ t: Number.NaN, onMs: 1 }], 1],
      ["an infinite time", [{ t: 1000, onMs: 1 }, { t: Infinity, onMs: 1 }], 1],
      ["a -Infinity first time", [{ t: -Infinity, onMs: 1 }, { t: 0, onMs: 1 }], 1],
    ];
    for (const [name, events, intervals] of cases) {
      it(name, () => {
        const kernel = eventKernelFor(impl);
        const batch = kernel.allocate(events.length, intervals);
        try {
          const e = batch.events;
          events.forEach((row, i) => {
            e.interval[i] = row.interval ?? 0;
            e.t[i] = row.t;
            e.onMs[i] = row.onMs;
          });
          batch.intervals.count.fill(42);
          batch.intervals.pulseFreeMaxMin.fill(42);
          let error: unknown;
          try {
            kernel.compute(batch, events.length, intervals);
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(KernelCallError);
          expect((error as KernelCallError).code).toBe("MF_ERR_KERNEL_CALL");
          expect((error as Error).message).toMatch(/not sorted by interval, then time/);
          expect([...batch.intervals.count]).toEqual(Array(intervals).fill(42));
          expect([...batch.intervals.pulseFreeMaxMin]).toEqual(Array(intervals).fill(42));
        } finally {
          kernel.release(batch);
        }
      });
    }

    it("anywhere in a long stream (every position of the SIMD check and its tail)", () => {
      const n = 45;
      const kinds = ["id back", "time back", "NaN", "Infinity", "id past"] as const;
      for (const kind of kinds) {
        for (let p = 0; p < n; p++) {
          const events = train(0, n * 1000, 1000, 50).map((e, i) => ({ ...e, interval: Math.floor(i / 4) }));
          if (kind === "id back" && p > 0) events[p].interval = events[p - 1].interval - 1;
          if (kind === "time back" && p > 0) { events[p].interval = events[p - 1].interval; events[p].t = events[p - 1].t - 1; }
          if (kind === "NaN") events[p].t = Number.NaN;
          if (kind === "Infinity") events[p].t = p % 2 === 0 ? Infinity : -Infinity;
          if (kind === "id past") for (let q = p; q < n; q++) events[q].interval = 12;
          if ((kind === "id back" || kind === "time back") && p === 0) continue;
          if (kind === "id back" && events[p].interval < 0) events[p].interval = 0xffff_ffff;
          expect(() => summarise(impl, events, Array(12).fill({})), `${kind} at ${p}`).toThrow(/not sorted/);
        }
      }
      // The same streams in order pass.
      const clean = train(0, n * 1000, 1000, 50).map((e, i) => ({ ...e, interval: Math.floor(i / 4) }));
      expect(summarise(impl, clean, Array(12).fill({})).map((r) => r.count)).toEqual([...Array(11).fill(4), 1]);
    });
  });
});

describe("pulse events feed the interval kernel", () => {
  it("debounced count x weight is billed; the bounce is still flagged", () => {
    const [summary] = summarise("reference", [
      { t: 1000, onMs: 40 }, { t: 1100, onMs: 2 }, { t: 1122, onMs: 2 }, { t: 1144, onMs: 2 },
    ]);
    const kernel = createPulseKernel({ implementation: "reference" });
    const batch = kernel.allocate(1);
    const c = batch.columns;
    c.count[0] = summary.count;
    c.debouncedIn[0] = summary.debounced;
    c.minOnMs[0] = summary.minOnMs;
    c.minGapMs[0] = summary.minGapMs;
    c.maxClosedMs[0] = summary.maxClosedMs;
    c.reverseCount[0] = summary.reverseCount;
    c.pulseFreeMaxMin[0] = summary.pulseFreeMaxMin;
    c.spanMin[0] = summary.spanMin;
    c.weight[0] = 10;
    kernel.compute(batch, 1);
    expect(c.debounced[0]).toBe(1);
    expect(c.consumption[0]).toBe(10);
    expect(flagNames(c.faults[0])).toEqual(["bounce"]);
  });
});

describe("pulse event kernel binding", () => {
  it("rejects counts above the capacities and capacities below 1", () => {
    const kernel = createPulseEventKernel({ implementation: "scalar" });
    const batch = kernel.allocate(2, 1);
    expect(() => kernel.compute(batch, 3, 1)).toThrow(/"events"/);
    expect(() => kernel.compute(batch, 2, 2)).toThrow(/"intervals"/);
    kernel.release(batch);
    expect(() => kernel.allocate(0, 1)).toThrow(/"eventCapacity"/);
    expect(() => createPulseEventKernel({ implementation: "gpu" as never })).toThrow(/"implementation"/);
  });

  it("keeps its views valid when memory grows", () => {
    const kernel = createPulseEventKernel({ implementation: "simd" });
    const batch = kernel.allocate(2, 1);
    const other = kernel.allocate(2_000_000, 1); // grows memory: old views detach
    batch.events.t.set([1000, 2000]);
    batch.events.onMs.set([50, 50]);
    kernel.compute(batch, 2, 1);
    expect(batch.intervals.count[0]).toBe(2);
    kernel.release(other);
    kernel.release(batch);
  });

  it.each(["simd", "scalar"] as const)("checks lengths and bounds at entry, exports STATUS_UNSORTED (%s)", (build) => {
    const { exports } = loadKernels(build);
    const zeros = Array.from({ length: 15 }, () => 0) as Parameters<typeof exports.pulseEvents> extends [number, number, ...infer P] ? P : never;
    expect(exports.pulseEvents(-1, 0, ...zeros)).toBe(1); // STATUS_BAD_LENGTH
    expect(exports.pulseEvents(0, -1, ...zeros)).toBe(1);
    const beyond = zeros.map((p, i) => (i === 1 ? 0x7fff_fff0 : p)) as typeof zeros; // t past the memory
    expect(exports.pulseEvents(8, 1, ...beyond)).toBe(2); // STATUS_OUT_OF_BOUNDS
    const spanBeyond = zeros.map((p, i) => (i === 14 ? 0x7fff_fff0 : p)) as typeof zeros;
    expect(exports.pulseEvents(0, 1, ...spanBeyond)).toBe(2);
    expect(exports.pulseEventsFloor(-1, 0, ...zeros)).toBe(1);
    expect((exports.STATUS_UNSORTED as WebAssembly.Global).value).toBe(STATUS_UNSORTED);
  });
});
