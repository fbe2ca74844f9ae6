// Pulse interval faults: each rule fires on a signal that must fire it and stays quiet on a near
// miss, in every implementation (SIMD, scalar, reference).
import { describe, expect, it } from "vitest";
import { FLAG } from "../../../engine/flags/index.js";
import type { FlagName } from "../../../engine/flags/index.js";
import { createPulseKernel, maxPulsesFor, shortClosedLimit } from "../../../engine/pulses/index.js";
import { loadKernels } from "../../../engine/wasm/index.js";
import { IMPLEMENTATIONS, onePulse } from "./helpers.js";
import type { PulseRow } from "./helpers.js";

// A clean day of an S0 water meter: 10 L per pulse, 80 ms pulses, at least 2 s apart, an idle
// night (6 h without a pulse), NAMUR-style loop currents inside the legal band.
const CLEAN: PulseRow = {
  count: 1200, weight: 10, minOnMs: 80, minGapMs: 2000, maxClosedMs: 95,
  loopMinMa: 1.0, loopMaxMa: 2.4, tamperOpen: 0, tamperEvents: 0, reverseCount: 0,
  pulseFreeMaxMin: 360, spanMin: 1440, idleDays: 0,
  maxPulses: maxPulsesFor(2500, 10), // Qmax 2.5 m3/h = 2500 L/h -> 6000 pulses a day
};

interface Case {
  fault: FlagName;
  name: string;
  row: PulseRow;
  fires: boolean;
}

const CASES: Case[] = [
  // open circuit
  { fault: "open_circuit", name: "NAMUR loop current 0.2 mA (line cut)", row: { loopMinMa: 0.2 }, fires: true },
  { fault: "open_circuit", name: "tamper loop of a reed sensor open", row: { tamperOpen: 1 }, fires: true },
  { fault: "open_circuit", name: "near miss: loop current exactly 0.4 mA", row: { loopMinMa: 0.4 }, fires: false },
  { fault: "open_circuit", name: "near miss: NAMUR off state 1.0 mA", row: { loopMinMa: 1.0 }, fires: false },
  { fault: "open_circuit", name: "not measured: S0 input without loop current", row: { loopMinMa: Number.NaN, tamperOpen: Number.NaN }, fires: false },
  // short circuit
  { fault: "short_circuit", name: "NAMUR loop current 7 mA (line shorted)", row: { loopMaxMa: 7 }, fires: true },
  { fault: "short_circuit", name: "contact closed 45 s", row: { maxClosedMs: 45_000 }, fires: true },
  { fault: "short_circuit", name: "closed 121 ms past the 120 ms limit", row: { maxClosedMs: 121 }, fires: true },
  { fault: "short_circuit", name: "near miss: a long legal pulse of 120 ms", row: { maxClosedMs: 120 }, fires: false },
  { fault: "short_circuit", name: "near miss: 250 ms pulse on a 100 ms-nominal meter (limit 300)", row: { minOnMs: 240, maxClosedMs: 250, shortClosedMs: shortClosedLimit(100) }, fires: false },
  { fault: "short_circuit", name: "near miss: loop current exactly 5.85 mA", row: { loopMaxMa: 5.85 }, fires: false },
  // bounce
  { fault: "bounce", name: "contact chatter: 3 ms pulses", row: { minOnMs: 3, minGapMs: 6 }, fires: true },
  { fault: "bounce", name: "on-time 25 ms, below the S0 minimum 30 ms", row: { minOnMs: 25 }, fires: true },
  { fault: "bounce", name: "on-time 40 ms below a 50 ms meter debounce", row: { minOnMs: 40, debounceMs: 50 }, fires: true },
  { fault: "bounce", name: "pulses 45 ms apart, below 30 + 30 ms", row: { minOnMs: 30, minGapMs: 45 }, fires: true },
  { fault: "bounce", name: "near miss: a fast but legal train, 30 ms on, 60 ms period", row: { count: 5900, minOnMs: 30, minGapMs: 60, maxClosedMs: 30 }, fires: false },
  { fault: "bounce", name: "near miss: on-time exactly the debounce", row: { minOnMs: 50, debounceMs: 50 }, fires: false },
  // magnetic
  { fault: "magnetic", name: "two confirmed tamper events", row: { tamperEvents: 2 }, fires: true },
  { fault: "magnetic", name: "rate above Qmax: 6001 pulses of 10 L at 2.5 m3/h", row: { count: 6001 }, fires: true },
  { fault: "magnetic", name: "near miss: exactly Qmax all day", row: { count: 6000 }, fires: false },
  { fault: "magnetic", name: "near miss: no Qmax configured", row: { count: 1e6, maxPulses: Number.NaN }, fires: false },
  // leak
  { fault: "leak", name: "longest pulse-free slot 20 min in 24 h", row: { pulseFreeMaxMin: 20 }, fires: true },
  { fault: "leak", name: "never a pulse-free slot", row: { pulseFreeMaxMin: 0 }, fires: true },
  { fault: "leak", name: "near miss: a pulse-free hour exactly", row: { pulseFreeMaxMin: 60 }, fires: false },
  { fault: "leak", name: "near miss: a 6 h interval is not 24 h", row: { pulseFreeMaxMin: 20, spanMin: 360 }, fires: false },
  // no consumption
  { fault: "no_consumption", name: "no pulses for 30 days", row: { count: 0, idleDays: 30, noPulseDays: 30, pulseFreeMaxMin: 1440 }, fires: true },
  { fault: "no_consumption", name: "near miss: 29 idle days", row: { count: 0, idleDays: 29, noPulseDays: 30, pulseFreeMaxMin: 1440 }, fires: false },
  { fault: "no_consumption", name: "near miss: one pulse today", row: { count: 1, idleDays: 30, noPulseDays: 30 }, fires: false },
  { fault: "no_consumption", name: "near miss: consumption not expected (rule off)", row: { count: 0, idleDays: 400, pulseFreeMaxMin: 1440 }, fires: false },
  // backflow
  { fault: "backflow", name: "3 reversed pulses", row: { reverseCount: 3 }, fires: true },
  { fault: "backflow", name: "near miss: no reversed pulse", row: { reverseCount: 0 }, fires: false },
];

describe.each(IMPLEMENTATIONS)("pulse faults (%s)", (impl) => {
  it("a clean day raises nothing and bills count x weight", () => {
    const r = onePulse(impl, CLEAN);
    expect(r).toEqual({ debounced: 1200, consumption: 12000, faults: [] });
  });

  for (const c of CASES) {
    it(`${c.fault}: ${c.name} -> ${c.fires ? "fires" : "quiet"}`, () => {
      const r = onePulse(impl, { ...CLEAN, ...c.row });
      // Only the rule under test may change: every case starts from the clean day.
      expect(r.faults).toEqual(c.fires ? [c.fault] : []);
      expect(r.debounced).toBe(c.row.count ?? CLEAN.count);
      expect(r.consumption).toBe((c.row.count ?? CLEAN.count!) * 10);
    });
  }

  it("a bounced row keeps its raw count and is flagged", () => {
    const r = onePulse(impl, { ...CLEAN, count: 5000, minOnMs: 2 });
    expect(r).toEqual({ debounced: 5000, consumption: 50000, faults: ["bounce"] });
  });

  it("bills a given debounced count, not the raw count", () => {
    expect(onePulse(impl, { debouncedIn: 7, count: 9, weight: 2 })).toEqual({ debounced: 7, consumption: 14, faults: [] });
    // A debounced count of 0 is a count, not "not given".
    expect(onePulse(impl, { ...CLEAN, debouncedIn: 0 })).toEqual({ debounced: 0, consumption: 0, faults: [] });
    expect(onePulse(impl, { ...CLEAN, debouncedIn: Number.NaN })).toEqual({ debounced: 1200, consumption: 12000, faults: [] });
  });

  it("a debounced count does not silence a bounced row's fault", () => {
    const r = onePulse(impl, { ...CLEAN, count: 5000, debouncedIn: 1200, minOnMs: 2 });
    expect(r).toEqual({ debounced: 1200, consumption: 12000, faults: ["bounce"] });
  });

  it("nothing measured raises nothing", () => {
    expect(onePulse(impl, {}).faults).toEqual([]);
  });

  it("every fault at once sets every pulse bit", () => {
    const r = onePulse(impl, {
      count: 0, loopMinMa: 0.1, loopMaxMa: 9, minOnMs: 1, tamperEvents: 1, pulseFreeMaxMin: 5,
      idleDays: 10, noPulseDays: 7, reverseCount: 1,
    });
    const all: FlagName[] = ["open_circuit", "short_circuit", "magnetic", "bounce", "leak", "no_consumption", "backflow"];
    expect(r.faults).toEqual(all);
  });
});

describe("pulse kernel binding", () => {
  it("rejects a length above the capacity", () => {
    const kernel = createPulseKernel({ implementation: "scalar" });
    const batch = kernel.allocate(2);
    expect(() => kernel.compute(batch, 3)).toThrow(/length/);
    kernel.release(batch);
  });

  it.each(["simd", "scalar"] as const)("checks lengths and bounds at entry (%s)", (build) => {
    const { exports } = loadKernels(build);
    type Pointers = Parameters<typeof exports.pulseIntervals> extends [number, ...infer P] ? P : never;
    const inside = Array.from({ length: exports.pulseIntervals.length - 1 }, () => 0) as Pointers;
    expect(inside.length).toBe(26); // 13 inputs, 10 thresholds, 3 outputs
    expect(exports.pulseIntervals(-1, ...inside)).toBe(1); // STATUS_BAD_LENGTH
    const beyond = [...inside.slice(0, 25), 0x7fff_fff0] as Pointers; // faults column past the memory
    expect(exports.pulseIntervals(8, ...beyond)).toBe(2); // STATUS_OUT_OF_BOUNDS
    const debouncedInBeyond = inside.map((p, i) => (i === 1 ? 0x7fff_fff0 : p)) as Pointers;
    expect(exports.pulseIntervals(8, ...debouncedInBeyond)).toBe(2);
  });

  it("writes the engine's flag bits", () => {
    expect([FLAG.open_circuit, FLAG.short_circuit, FLAG.magnetic, FLAG.bounce, FLAG.leak, FLAG.no_consumption, FLAG.backflow])
      .toEqual([1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14]);
  });
});
