// Every signal kind shows its fault in the raw data, and only it: the test reads the generated
// events and samples directly, applies the documented fault rules (engine/pulses/reference.ts,
// default thresholds) to them, and compares with `expected`. Near misses show nothing.
import { describe, expect, it } from "vitest";
import { reduceLineSamples } from "../../../../engine/pulses/samples.js";
import { generateChannelDay, SENSORS, SIGNAL_KINDS } from "../../../../engine/pulses/signals/index.js";
import type { ChannelDay, ChannelDayOptions, FaultName, SignalKind } from "../../../../engine/pulses/signals/index.js";
import { DEFAULT_PULSE_THRESHOLDS as T } from "../../../../engine/pulses/thresholds.js";
import { seeds } from "../../../helpers/random.js";

const DAY = Date.UTC(2026, 10, 30);
const DAY_END = DAY + 86_400_000;
const MIN = 60_000;

/** What an interval summary of the raw day would hold. */
interface Raw {
  count: number;
  minOn: number;
  maxOn: number;
  minGap: number;
  /** Longest pulse-free slot (leading edges and the day's bounds), minutes. */
  slotMin: number;
  reverse: number;
  loopMin: number;
  loopMax: number;
  tamperOpen: number;
  tamperEvents: number;
}

function summarize(day: ChannelDay): Raw {
  const { t, onMs, reverse } = day.events;
  let minOn = Infinity, maxOn = -Infinity, minGap = Infinity, rev = 0;
  let slot = (t.length ? t[0] : DAY_END) - DAY;
  for (let i = 0; i < t.length; i++) {
    minOn = Math.min(minOn, onMs[i]);
    maxOn = Math.max(maxOn, onMs[i]);
    rev += reverse[i];
    if (i > 0) minGap = Math.min(minGap, t[i] - t[i - 1]);
    slot = Math.max(slot, (i + 1 < t.length ? t[i + 1] : DAY_END) - t[i]);
  }
  const s = day.samples;
  const n = s.t.length;
  const line = reduceLineSamples({ ...s, interval: new Uint32Array(n) }, n, 1);
  return {
    count: t.length, minOn, maxOn, minGap, slotMin: slot / MIN, reverse: rev,
    loopMin: line.loopMinMa[0], loopMax: line.loopMaxMa[0], tamperOpen: line.tamperOpen[0], tamperEvents: line.tamperEvents[0],
  };
}

/** The documented rules over one day, default thresholds; no_consumption needs days, so never. */
function rawFaults(r: Raw): FaultName[] {
  const f: FaultName[] = [];
  if (r.loopMin < T.namurLowMa || r.tamperOpen > 0) f.push("open_circuit");
  if (r.loopMax > T.namurHighMa || r.maxOn > T.shortClosedMs) f.push("short_circuit");
  if (r.tamperEvents > 0) f.push("magnetic");
  if (r.minOn < T.debounceMs || r.minOn < T.specMinOnMs || r.minGap < T.specMinGapMs) f.push("bounce");
  if (r.slotMin < T.leakSlotMin) f.push("leak");
  if (r.reverse > 0) f.push("backflow");
  return f;
}

const day = (kind: SignalKind, seed: number, more: Partial<ChannelDayOptions> = {}): ChannelDay =>
  generateChannelDay(kind, { dayStartMs: DAY, seed, ...more });

describe("every kind, sensor and magnetometer: the raw data raises exactly `expected`", () => {
  const periods = [10_000, 60_000, 300_000, 600_000];
  for (const seed of seeds(0x5161_2026)) {
    for (const kind of SIGNAL_KINDS) {
      it(`${kind} (seed ${seed}; rerun with MF_SEED=${seed})`, () => {
        let k = 0;
        for (const sensor of SENSORS) {
          for (const magnetometer of [false, true]) {
            for (let j = 0; j < 3; j++) {
              const d = day(kind, (seed + 7919 * k++) >>> 0, { sensor, magnetometer, sampleEveryMs: periods[(k + j) % 4] });
              expect({ sensor, magnetometer, faults: rawFaults(summarize(d)) }).toEqual({ sensor, magnetometer, faults: [...d.expected] });
            }
          }
        }
      });
    }
  }
});

describe("each kind at the signal level", () => {
  const SEEDS = [1, 2, 3, 42, 0xdead_beef];

  it("clean-s0: 40-60 ms pulses, >= 250 ms apart, a pulse-free hour, never reversed", () => {
    for (const seed of SEEDS) {
      const r = summarize(day("clean-s0", seed));
      expect(r.minOn).toBeGreaterThanOrEqual(40);
      expect(r.maxOn).toBeLessThanOrEqual(60);
      expect(r.minGap).toBeGreaterThanOrEqual(250);
      expect(r.slotMin).toBeGreaterThanOrEqual(60);
      expect(r.reverse).toBe(0);
      expect(r.count).toBeGreaterThan(300); // ~480 a day at the defaults
      expect(r.count).toBeLessThan(700);
    }
  });

  it("clean-s0 follows the profile: nothing from 01:00 to 05:00 but a flush, peaks morning and evening", () => {
    const perHour = new Array<number>(24).fill(0);
    for (const seed of SEEDS) {
      for (const t of day("clean-s0", seed).events.t) perHour[Math.floor((t - DAY) / 3_600_000)]++;
    }
    expect(perHour.slice(1, 5).reduce((a, b) => a + b)).toBeLessThan(SEEDS.length * 15);
    expect(perHour[7]).toBeGreaterThan(perHour[3] + perHour[14]);
    expect(perHour[19]).toBeGreaterThan(perHour[15]);
  });

  it("bounce: on-times below 10 ms and edges closer than 60 ms, next to real pulses", () => {
    for (const seed of SEEDS) {
      const d = day("bounce", seed);
      const { onMs } = d.events;
      const spikes = onMs.filter((w) => w < 10);
      expect(spikes.length).toBeGreaterThan(0);
      expect(Math.min(...spikes)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...spikes)).toBeLessThanOrEqual(5);
      expect(onMs.filter((w) => w >= 40).length).toBeGreaterThan(300);
      expect(summarize(d).minGap).toBeLessThan(10);
    }
  });

  it("shorted: the contact closed for minutes; a NAMUR loop above 5.85 mA meanwhile", () => {
    for (const seed of SEEDS) {
      for (const sensor of SENSORS) {
        const d = day("shorted", seed, { sensor });
        const i = d.events.onMs.findIndex((w) => w > 120);
        expect(d.events.onMs[i]).toBeGreaterThanOrEqual(5 * MIN);
        expect(d.events.onMs.filter((w) => w > 120)).toHaveLength(1);
        if (sensor === "namur") {
          const from = d.events.t[i];
          const high = d.samples.t.filter((t, k) => d.samples.loopMa[k] > 5.85);
          expect(high.length).toBeGreaterThan(0);
          expect(high.every((t) => t >= from && t < from + d.events.onMs[i])).toBe(true);
        }
      }
    }
  });

  it("long-legal: 90-120 ms pulses, one of exactly 120 ms; never above 120", () => {
    for (const seed of SEEDS) {
      const r = summarize(day("long-legal", seed));
      expect([r.minOn >= 90, r.maxOn]).toEqual([true, 120]);
      expect(r.minGap).toBeGreaterThanOrEqual(250);
    }
  });

  it("fast-legal: > 5,000 pulses, every on-time >= 30 ms and gap >= 60 ms, both limits hit exactly", () => {
    for (const seed of SEEDS) {
      const { t, onMs } = day("fast-legal", seed).events;
      expect(t.length).toBeGreaterThan(5_000);
      expect(Math.min(...onMs)).toBe(30);
      let minGap = Infinity;
      let minOff = Infinity;
      for (let i = 1; i < t.length; i++) {
        minGap = Math.min(minGap, t[i] - t[i - 1]);
        minOff = Math.min(minOff, t[i] - t[i - 1] - onMs[i - 1]);
      }
      expect(minGap).toBe(60);
      expect(minOff).toBeGreaterThanOrEqual(30);
      expect(summarize(day("fast-legal", seed)).slotMin).toBeGreaterThanOrEqual(60);
    }
  });

  it("leak: never a pulse-free hour, all day long", () => {
    for (const seed of SEEDS) expect(summarize(day("leak", seed)).slotMin).toBeLessThan(60);
  });

  it("backflow: a run of reversed pulses", () => {
    for (const seed of SEEDS) {
      const rev = day("backflow", seed).events.reverse;
      const first = rev.indexOf(1);
      const count = rev.filter((x) => x === 1).length;
      expect(count).toBeGreaterThanOrEqual(1);
      expect(count).toBeLessThanOrEqual(10);
      expect(Array.from(rev.subarray(first, first + count))).toEqual(new Array(count).fill(1));
    }
  });

  it("idle: no pulse at all, a healthy line; no_consumption is not one day's to raise", () => {
    for (const sensor of SENSORS) {
      const d = day("idle", 5, { sensor, magnetometer: true });
      expect(d.events.t).toHaveLength(0);
      expect(d.expected).toEqual([]);
      expect(rawFaults(summarize(d))).toEqual([]);
    }
  });

  it("open: NAMUR loop below 0.4 mA from the cut, reed tamper open at the end, no pulses after the cut", () => {
    for (const seed of SEEDS) {
      const namur = day("open", seed, { sensor: "namur" });
      const cut = namur.samples.t[namur.samples.loopMa.findIndex((ma) => ma < 0.4)];
      expect(namur.samples.loopMa.at(-1)).toBeLessThan(0.2);
      expect(namur.events.t.at(-1)!).toBeLessThan(cut);
      expect(summarize(namur)).toMatchObject({ tamperOpen: Number.NaN, tamperEvents: Number.NaN });
      const reed = day("open", seed, { sensor: "reed" });
      expect(reed.samples.tamper.at(-1)).toBe(1);
      expect(summarize(reed)).toMatchObject({ tamperOpen: 1, tamperEvents: 0, loopMin: Number.NaN });
      const s0 = day("open", seed, { sensor: "s0" });
      expect([s0.samples.t.length, s0.expected]).toEqual([0, []]);
    }
  });

  it("magnet: a confirmed tamper run that closes again, 20-80 mT meanwhile, and no pulses during it", () => {
    for (const seed of SEEDS) {
      const d = day("magnet", seed, { sensor: "reed", magnetometer: true });
      const { t, tamper, magnetMt } = d.samples;
      const first = tamper.indexOf(1);
      const last = tamper.lastIndexOf(1);
      expect(last - first + 1).toBeGreaterThanOrEqual(3);
      expect(Array.from(tamper.subarray(first, last + 1)).every((x) => x === 1)).toBe(true);
      expect(tamper.at(-1)).toBe(0);
      expect(magnetMt.filter((mt) => mt > 5)).toHaveLength(last - first + 1);
      expect(Math.min(...magnetMt.filter((mt) => mt > 5))).toBeGreaterThanOrEqual(19);
      expect(Math.max(...magnetMt.filter((mt) => mt <= 5))).toBeLessThan(0.1);
      expect(d.events.t.some((e) => e >= t[first] && e <= t[last])).toBe(false);
      expect(summarize(d)).toMatchObject({ tamperOpen: 0, tamperEvents: 2 }); // tamper run + field run
      // Without a reed sensor or magnetometer the magnet only stops the pulses: nothing to raise.
      const blind = day("magnet", seed, { sensor: "namur" });
      expect([blind.expected, rawFaults(summarize(blind))]).toEqual([[], []]);
    }
  });
});
