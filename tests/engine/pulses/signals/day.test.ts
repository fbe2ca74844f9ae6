// generateChannelDay: events and samples in time order within the day, deterministic per seed,
// the documented defaults, a sample layout per sensor, and options that name themselves.
import { describe, expect, it } from "vitest";
import {
  DAILY_PROFILE,
  DEFAULT_SENSOR,
  expectedFaults,
  generateChannelDay,
  maxFlowPerHour,
  SENSORS,
  SIGNAL_DEFAULTS,
  SIGNAL_KINDS,
} from "../../../../engine/pulses/signals/index.js";
import type { ChannelDay, ChannelDayOptions, SignalKind } from "../../../../engine/pulses/signals/index.js";

const DAY = Date.UTC(2026, 10, 30);
const DAY_END = DAY + 86_400_000;

const generate = (kind: SignalKind, seed: number, more: Partial<ChannelDayOptions> = {}): ChannelDay =>
  generateChannelDay(kind, { dayStartMs: DAY, seed, ...more });

const arrays = (d: ChannelDay) => [d.events.t, d.events.onMs, d.events.reverse, d.samples.t, d.samples.loopMa, d.samples.tamper, d.samples.magnetMt];

describe("generateChannelDay", () => {
  it.each(SIGNAL_KINDS)("%s: events in time order within the day, each over before the next begins", (kind) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      for (const sensor of SENSORS) {
        const { t, onMs, reverse } = generate(kind, seed, { sensor }).events;
        expect(onMs.length).toBe(t.length);
        expect(reverse.length).toBe(t.length);
        for (let i = 0; i < t.length; i++) {
          const whole = Number.isInteger(t[i]) && Number.isInteger(onMs[i]) && onMs[i] >= 1;
          if (!(whole && t[i] >= DAY && t[i] < DAY_END)) throw new Error(`${kind} seed ${seed}: event ${i} at ${t[i]}, ${onMs[i]} ms`);
          if (i > 0 && !(t[i - 1] + onMs[i - 1] < t[i])) throw new Error(`${kind} seed ${seed}: event ${i} overlaps`);
        }
      }
    }
  });

  it.each(SIGNAL_KINDS)("%s: samples in time order within the day, one every sampleEveryMs", (kind) => {
    for (const sampleEveryMs of [10_000, 60_000, 600_000]) {
      const { t } = generate(kind, 9, { sensor: "namur", sampleEveryMs }).samples;
      expect(t.length).toBeGreaterThanOrEqual(86_400_000 / sampleEveryMs - 1);
      expect(t[0]).toBeGreaterThanOrEqual(DAY);
      expect(t[0]).toBeLessThan(DAY + sampleEveryMs);
      expect(t.at(-1)).toBeLessThan(DAY_END);
      for (let i = 1; i < t.length; i++) if (t[i] - t[i - 1] !== sampleEveryMs) throw new Error(`sample ${i}`);
    }
  });

  it.each(SIGNAL_KINDS)("%s: the same seed gives identical arrays, another seed different ones", (kind) => {
    const options = { sensor: "reed", magnetometer: true } as const;
    const a = arrays(generate(kind, 11, options));
    expect(arrays(generate(kind, 11, options))).toEqual(a);
    if (kind === "idle") return; // no pulses to differ; its samples still do
    expect(arrays(generate(kind, 12, options))[0]).not.toEqual(a[0]);
  });

  it("idle days differ by seed in their samples", () => {
    const a = generate("idle", 1, { sensor: "namur" }).samples.loopMa;
    expect(generate("idle", 2, { sensor: "namur" }).samples.loopMa).not.toEqual(a);
  });

  it("the day's start only shifts the day", () => {
    const a = generate("bounce", 3);
    const b = generateChannelDay("bounce", { dayStartMs: DAY + 86_400_000, seed: 3 });
    expect(Array.from(b.events.t, (t) => t - 86_400_000)).toEqual(Array.from(a.events.t));
  });

  it("defaults: 20 units/h, 1 unit per pulse, no magnetometer, a sample a minute, the kind's sensor", () => {
    expect(SIGNAL_DEFAULTS).toEqual({ flowPerHour: 20, weight: 1, magnetometer: false, sampleEveryMs: 60_000 });
    for (const kind of SIGNAL_KINDS) {
      const d = generate(kind, 1);
      expect([d.sensor, d.magnetometer]).toEqual([DEFAULT_SENSOR[kind], false]);
      expect(d.expected).toEqual(expectedFaults(kind, d.sensor, false));
    }
    expect(DEFAULT_SENSOR).toMatchObject({ open: "namur", shorted: "namur", magnet: "reed", "clean-s0": "s0" });
  });

  it("a day's pulses track flowPerHour / weight", () => {
    expect(generate("clean-s0", 4, { flowPerHour: 100, weight: 0.5 }).events.t.length).toBeGreaterThan(3_000);
    expect(generate("clean-s0", 4, { flowPerHour: 10, weight: 10 }).events.t.length).toBeLessThan(50);
  });

  it("samples carry only the sensor's columns; s0 without magnetometer has none", () => {
    const nan = (a: Float64Array) => a.every(Number.isNaN);
    const some = (a: Float64Array) => a.length > 0 && !a.some(Number.isNaN);
    const namur = generate("clean-s0", 1, { sensor: "namur" }).samples;
    expect([some(namur.loopMa), nan(namur.tamper), nan(namur.magnetMt)]).toEqual([true, true, true]);
    const reed = generate("clean-s0", 1, { sensor: "reed", magnetometer: true }).samples;
    expect([nan(reed.loopMa), some(reed.tamper), some(reed.magnetMt)]).toEqual([true, true, true]);
    expect(generate("clean-s0", 1, { sensor: "s0" }).samples.t).toHaveLength(0);
    expect(some(generate("clean-s0", 1, { sensor: "s0", magnetometer: true }).samples.magnetMt)).toBe(true);
  });

  it("a healthy NAMUR loop reads ~1.2 mA off and ~2.1 mA during a pulse", () => {
    const d = generate("long-legal", 6, { sensor: "namur", sampleEveryMs: 1_000, flowPerHour: 400 });
    const { t, onMs } = d.events;
    let on = 0;
    let wrong = 0;
    let e = 0;
    d.samples.t.forEach((ts, k) => {
      while (e < t.length && t[e] + onMs[e] <= ts) e++;
      const pulse = e < t.length && t[e] <= ts;
      const ma = d.samples.loopMa[k];
      if (!(pulse ? ma >= 2.1 && ma <= 2.3 : ma >= 1.07 && ma <= 1.28)) wrong++;
      if (pulse) on++;
    });
    expect([on > 0, wrong]).toEqual([true, 0]);
  });

  it("the profile's night hours draw nothing", () => {
    expect(DAILY_PROFILE).toHaveLength(24);
    expect(DAILY_PROFILE.slice(1, 5)).toEqual([0, 0, 0, 0]);
  });

  it("bad options name themselves (MF_ERR_INVALID_OPTION)", () => {
    const bad: Array<[string, unknown, Partial<ChannelDayOptions> & { kind?: string }]> = [
      ["kind", "kind", { kind: "chatter" }],
      ["dayStartMs", "dayStartMs", { dayStartMs: DAY + 1 }],
      ["dayStartMs", "dayStartMs", { dayStartMs: Number.NaN }],
      ["seed", "seed", { seed: -1 }],
      ["seed", "seed", { seed: 2 ** 32 }],
      ["seed", "seed", { seed: 1.5 }],
      ["weight", "weight", { weight: 0 }],
      ["flowPerHour below weight", "flowPerHour", { flowPerHour: 0.5 }],
      ["flowPerHour too fast", "flowPerHour", { flowPerHour: maxFlowPerHour(1) + 1 }],
      ["sampleEveryMs", "sampleEveryMs", { sampleEveryMs: 999 }],
      ["sampleEveryMs", "sampleEveryMs", { sampleEveryMs: 600_001 }],
      ["sensor", "sensor", { sensor: "hall" as never }],
      ["magnetometer", "magnetometer", { magnetometer: 1 as never }],
    ];
    for (const [, option, o] of bad) {
      const { kind = "clean-s0", ...rest } = o;
      const call = () => generateChannelDay(kind as SignalKind, { dayStartMs: DAY, seed: 1, ...rest });
      expect(call).toThrow(expect.objectContaining({ code: "MF_ERR_INVALID_OPTION", message: expect.stringContaining(`"${option}"`) }));
    }
    expect(() => generate("clean-s0", 1, { flowPerHour: maxFlowPerHour(1) })).not.toThrow();
  });
});
