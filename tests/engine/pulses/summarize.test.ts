// Raw events -> day summaries -> interval kernel: every synthetic signal kind raises exactly the
// faults the generator says it must (near misses none), whatever the row order and whichever
// event kernel implementation runs.
import { describe, expect, it } from "vitest";
import { flagNames } from "../../../engine/flags/flags.js";
import type { PulseEventRows } from "../../../engine/ingest/events.js";
import { createPulseKernel } from "../../../engine/pulses/kernel.js";
import { createPulseEventKernel } from "../../../engine/pulses/events/kernel.js";
import { PULSE_INPUT, thresholdsOf } from "../../../engine/pulses/profiles.js";
import { generateChannelDay, maxFlowPerHour, SIGNAL_KINDS } from "../../../engine/pulses/signals/index.js";
import type { ChannelDay } from "../../../engine/pulses/signals/index.js";
import { DAY_MS, summarizeEvents } from "../../../engine/pulses/summarize.js";
import type { EventSummaries } from "../../../engine/pulses/summarize.js";

const DAY = Date.UTC(2026, 10, 30) / DAY_MS;
const INPUT = { s0: PULSE_INPUT.s0a, namur: PULSE_INPUT.namur, reed: PULSE_INPUT.reed } as const;

/** Channel-days as one events file's rows: meter c for channel c, a heartbeat, pulses, samples. */
function rowsOf(days: ChannelDay[]): PulseEventRows {
  const n = days.reduce((s, d) => s + 1 + d.events.t.length + d.samples.t.length, 0);
  const r: PulseEventRows = {
    length: n, meter: new Int32Array(n), t: new Float64Array(n), onMs: new Float64Array(n).fill(Number.NaN),
    reverse: new Uint8Array(n), loopMa: new Float64Array(n).fill(Number.NaN), tamper: new Float64Array(n).fill(Number.NaN),
    magnetMt: new Float64Array(n).fill(Number.NaN), line: new Float64Array(n), rejected: [],
  };
  let i = 0;
  days.forEach((d, c) => {
    r.meter[i] = c;
    r.t[i++] = DAY * DAY_MS;
    for (let j = 0; j < d.events.t.length; j++, i++) {
      r.meter[i] = c; r.t[i] = d.events.t[j]; r.onMs[i] = d.events.onMs[j]; r.reverse[i] = d.events.reverse[j];
    }
    for (let j = 0; j < d.samples.t.length; j++, i++) {
      r.meter[i] = c; r.t[i] = d.samples.t[j]; r.loopMa[i] = d.samples.loopMa[j]; r.tamper[i] = d.samples.tamper[j]; r.magnetMt[i] = d.samples.magnetMt[j];
    }
  });
  return r;
}

/** The rows in a shuffled order (a seeded permutation). */
function shuffled(r: PulseEventRows, seed: number): PulseEventRows {
  const order = Array.from({ length: r.length }, (_, i) => i);
  let s = seed;
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const pick = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => {
    const b = new (a.constructor as new (n: number) => T)(r.length);
    order.forEach((from, to) => (b[to] = a[from]));
    return b;
  };
  return { ...r, meter: pick(r.meter), t: pick(r.t), onMs: pick(r.onMs), reverse: pick(r.reverse), loopMa: pick(r.loopMa),
    tamper: pick(r.tamper), magnetMt: pick(r.magnetMt), line: pick(r.line) };
}

/** Faults of each summary through the interval kernel with the channel's input profile. */
function faultsOf(s: EventSummaries, days: ChannelDay[], weight: number): string[][] {
  const kernel = createPulseKernel({ implementation: "reference" });
  const batch = kernel.allocate(s.length);
  const c = batch.columns;
  for (let g = 0; g < s.length; g++) {
    const d = days[s.meter[g]];
    const t = thresholdsOf({ input: INPUT[d.sensor], weight, widthMs: Number.NaN, qmax: maxFlowPerHour(weight), noPulseDays: Number.NaN, debounceMs: Number.NaN }, 1440);
    c.count[g] = s.count[g]; c.debouncedIn[g] = s.debounced[g]; c.minOnMs[g] = s.minOnMs[g]; c.minGapMs[g] = s.minGapMs[g];
    c.maxClosedMs[g] = s.maxClosedMs[g]; c.reverseCount[g] = s.reverseCount[g]; c.pulseFreeMaxMin[g] = s.pulseFreeMaxMin[g];
    c.loopMinMa[g] = s.loopMinMa[g]; c.loopMaxMa[g] = s.loopMaxMa[g]; c.tamperOpen[g] = s.tamperOpen[g]; c.tamperEvents[g] = s.tamperEvents[g];
    c.spanMin[g] = 1440;
    for (const [name, value] of Object.entries(t)) (c as unknown as Record<string, Float64Array>)[name][g] = value;
  }
  kernel.compute(batch, s.length);
  return Array.from({ length: s.length }, (_, g) => flagNames(c.faults[g]));
}

const weight = 1;
const days = SIGNAL_KINDS.map((kind, k) => generateChannelDay(kind, { dayStartMs: DAY * DAY_MS, seed: 2026 + k, weight }));
const debounceOf = (m: number) => thresholdsOf({ input: INPUT[days[m].sensor], weight, widthMs: Number.NaN, qmax: Number.NaN, noPulseDays: Number.NaN, debounceMs: Number.NaN }, 1440).debounceMs;

describe("summarizeEvents", () => {
  const summary = summarizeEvents(rowsOf(days), { debounceOf, kernel: createPulseEventKernel({ implementation: "reference" }) });

  it("gives one summary per channel-day with every pulse and sample counted", () => {
    expect(summary.length).toBe(days.length);
    expect(Array.from(summary.meter)).toEqual(days.map((_, c) => c));
    expect(Array.from(summary.day)).toEqual(days.map(() => DAY));
    expect(Array.from(summary.count)).toEqual(days.map((d) => d.events.t.length));
    expect(summary.pulseRows.length).toBe(days.reduce((s, d) => s + d.events.t.length, 0));
    expect(summary.sampleRows.length).toBe(days.reduce((s, d) => s + d.samples.t.length, 0));
  });

  it.each(SIGNAL_KINDS.map((kind, k) => [kind, k] as const))("raises exactly the expected faults for %s", (kind, k) => {
    const faults = faultsOf(summary, days, weight)[k];
    expect(faults.sort(), `${kind} on ${days[k].sensor}`).toEqual([...days[k].expected].sort());
  });

  it("debounces: bounce spikes are dropped from the billed count, clean pulses all count", () => {
    const k = SIGNAL_KINDS.indexOf("bounce");
    expect(summary.debounced[k]).toBeLessThan(summary.count[k]);
    for (const kind of ["clean-s0", "fast-legal", "long-legal", "leak"] as const) {
      const i = SIGNAL_KINDS.indexOf(kind);
      expect(summary.debounced[i], kind).toBe(summary.count[i]);
    }
  });

  it("gives the same summaries for rows in any order and with every event kernel", () => {
    const rows = rowsOf(days);
    for (const implementation of ["simd", "scalar", "reference"] as const) {
      const kernel = createPulseEventKernel({ implementation });
      // The summaries, not which rows (by index in the shuffled order) were summarised.
      const { pulseRows, sampleRows, repeatedRow, ...got } = summarizeEvents(shuffled(rows, 7), { debounceOf, kernel });
      const { pulseRows: wantPulses, sampleRows: wantSamples, repeatedRow: wantRepeated, ...want } = summary;
      expect(got, implementation).toEqual(want);
      expect([pulseRows.length, sampleRows.length, repeatedRow.reduce((a, b) => a + b, 0)]).toEqual([wantPulses.length, wantSamples.length, wantRepeated.reduce((a, b) => a + b, 0)]);
    }
  });
});
