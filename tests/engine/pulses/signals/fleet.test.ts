// generateFleet: flat columns sorted by interval then time, every interval reproduced alone by
// generateChannelDay, kinds and sensors drawn as documented, and the line-sample reducer finding
// exactly the expected open circuits and magnets.
import { describe, expect, it } from "vitest";
import { FLAG, flagMask } from "../../../../engine/flags/index.js";
import { reduceLineSamples } from "../../../../engine/pulses/samples.js";
import {
  expectedFaults,
  FLEET_DEFAULTS,
  generateChannelDay,
  generateFleet,
  SENSORS,
  SIGNAL_KINDS,
} from "../../../../engine/pulses/signals/index.js";
import type { Fleet, FleetOptions } from "../../../../engine/pulses/signals/index.js";

const START = Date.UTC(2026, 10, 1);
const BASE: FleetOptions = { channels: 40, days: 3, dayStartMs: START, seed: 77, faultShare: 0.6, magnetometerShare: 0.3 };

/** Rows [a, b) of each group (events or samples) belonging to interval i. */
function range(interval: Uint32Array, i: number): [number, number] {
  const a = interval.indexOf(i);
  if (a < 0) return [0, 0];
  let b = a;
  while (b < interval.length && interval[b] === i) b++;
  return [a, b];
}

describe("generateFleet", () => {
  const fleet = generateFleet(BASE);
  const m = BASE.channels * BASE.days;

  it("one interval per channel-day, channel-major", () => {
    const iv = fleet.intervals;
    expect(iv.length).toBe(m);
    for (let i = 0; i < m; i++) {
      expect(iv.channel[i]).toBe(Math.floor(i / BASE.days));
      expect(iv.dayStartMs[i]).toBe(START + (i % BASE.days) * 86_400_000);
    }
  });

  it("events and samples are sorted by interval, then time, within their interval's day", () => {
    for (const [name, g] of [["events", fleet.events], ["samples", fleet.samples]] as const) {
      expect(g.interval.length).toBe(g.length);
      expect(g.t.length).toBe(g.length);
      for (let j = 0; j < g.length; j++) {
        const i = g.interval[j];
        const day = fleet.intervals.dayStartMs[i];
        const ordered = j === 0 || i > g.interval[j - 1] || (i === g.interval[j - 1] && g.t[j] > g.t[j - 1]);
        if (!(i < m && ordered && g.t[j] >= day && g.t[j] < day + 86_400_000)) throw new Error(`${name} row ${j} out of order`);
      }
    }
  });

  it("every interval is reproduced by generateChannelDay with its recorded kind, sensor and seed", () => {
    const iv = fleet.intervals;
    for (let i = 0; i < m; i++) {
      const kind = SIGNAL_KINDS[iv.kind[i]];
      const sensor = SENSORS[iv.sensor[i]];
      const magnetometer = iv.magnetometer[i] === 1;
      const day = generateChannelDay(kind, {
        dayStartMs: iv.dayStartMs[i], seed: iv.seed[i], sensor, magnetometer, sampleEveryMs: FLEET_DEFAULTS.sampleEveryMs,
      });
      const [a, b] = range(fleet.events.interval, i);
      expect(fleet.events.t.slice(a, b)).toEqual(day.events.t);
      expect(fleet.events.onMs.slice(a, b)).toEqual(day.events.onMs);
      expect(fleet.events.reverse.slice(a, b)).toEqual(day.events.reverse);
      const [c, d] = range(fleet.samples.interval, i);
      expect(fleet.samples.t.slice(c, d)).toEqual(day.samples.t);
      expect(fleet.samples.loopMa.slice(c, d)).toEqual(day.samples.loopMa);
      expect(fleet.samples.tamper.slice(c, d)).toEqual(day.samples.tamper);
      expect(fleet.samples.magnetMt.slice(c, d)).toEqual(day.samples.magnetMt);
      expect(iv.expected[i]).toBe(flagMask(day.expected));
    }
  });

  it("is deterministic; another seed gives another fleet", () => {
    const again = generateFleet(BASE);
    expect(again.events.t).toEqual(fleet.events.t);
    expect(again.samples.loopMa).toEqual(fleet.samples.loopMa);
    expect(again.intervals.kind).toEqual(fleet.intervals.kind);
    expect(generateFleet({ ...BASE, seed: 78 }).events.t).not.toEqual(fleet.events.t);
  });

  it("adding channels and days leaves the existing channel-days as they were", () => {
    const bigger = generateFleet({ ...BASE, channels: 50, days: 5 });
    for (let i = 0; i < m; i++) {
      const j = Math.floor(i / BASE.days) * 5 + (i % BASE.days);
      expect([bigger.intervals.seed[j], bigger.intervals.kind[j]]).toEqual([fleet.intervals.seed[i], fleet.intervals.kind[i]]);
    }
  });

  it("a channel keeps its sensor every day; kinds follow faultShare and `kinds`", () => {
    const iv = fleet.intervals;
    for (let i = 0; i < m; i++) expect(iv.sensor[i]).toBe(iv.sensor[iv.channel[i] * BASE.days]);
    const large = generateFleet({ channels: 400, days: 5, dayStartMs: START, seed: 5 });
    const faulty = large.intervals.kind.filter((k) => SIGNAL_KINDS[k] !== "clean-s0").length;
    expect(faulty / 2_000).toBeGreaterThan(0.07);
    expect(faulty / 2_000).toBeLessThan(0.13);
    expect(new Set(fleet.intervals.kind).size).toBe(SIGNAL_KINDS.length);
    expect(new Set(large.intervals.sensor).size).toBe(SENSORS.length);
    const none = generateFleet({ ...BASE, faultShare: 0 });
    expect(none.intervals.kind.every((k) => SIGNAL_KINDS[k] === "clean-s0")).toBe(true);
    const leaks = generateFleet({ ...BASE, faultShare: 1, kinds: ["leak"], sensors: ["reed"] });
    expect(leaks.intervals.kind.every((k) => SIGNAL_KINDS[k] === "leak")).toBe(true);
    expect(leaks.intervals.sensor.every((s) => SENSORS[s] === "reed")).toBe(true);
    expect(leaks.intervals.expected.every((e) => e === FLAG.leak)).toBe(true);
  });

  it("the expected column matches expectedFaults of the interval's kind and sensor", () => {
    const iv = fleet.intervals;
    for (let i = 0; i < m; i++) {
      const names = expectedFaults(SIGNAL_KINDS[iv.kind[i]], SENSORS[iv.sensor[i]], iv.magnetometer[i] === 1);
      expect(iv.expected[i]).toBe(flagMask(names));
    }
  });

  it("reduceLineSamples finds exactly the expected open circuits and magnets", () => {
    const big = generateFleet({ ...BASE, channels: 300, days: 2, faultShare: 0.5, kinds: ["open", "magnet", "shorted", "idle", "bounce"], magnetometerShare: 0.5 });
    check(big);
    // The sample period of a single channel-day works as well (finer runs, same outcome).
    check(generateFleet({ ...BASE, channels: 60, faultShare: 0.5, kinds: ["open", "magnet"], sampleEveryMs: 60_000 }));
  });

  it("produces a million events as flat columns", () => {
    const f = generateFleet({ channels: 1_000, days: 2, dayStartMs: START, seed: 3 });
    expect(f.events.length).toBeGreaterThan(900_000);
    for (const column of [f.events.interval, f.events.t, f.events.onMs, f.events.reverse]) expect(column.length).toBe(f.events.length);
    expect(f.events.interval.at(-1)).toBe(1_999);
  });

  it("bad options name themselves (MF_ERR_INVALID_OPTION)", () => {
    const bad: Array<[string, Partial<FleetOptions>]> = [
      ["channels", { channels: 0 }],
      ["days", { days: 1.5 }],
      ["days", { channels: 2 ** 20, days: 2 ** 12 }],
      ["dayStartMs", { dayStartMs: START + 5 }],
      ["seed", { seed: -3 }],
      ["faultShare", { faultShare: 1.5 }],
      ["magnetometerShare", { magnetometerShare: Number.NaN }],
      ["kinds", { kinds: [] }],
      ["kinds", { kinds: ["leak", "fire" as never] }],
      ["sensors", { sensors: ["s1" as never] }],
      ["flowPerHour", { flowPerHour: 0 }],
      ["sampleEveryMs", { sampleEveryMs: 100 }],
    ];
    for (const [option, o] of bad) {
      expect(() => generateFleet({ ...BASE, ...o })).toThrow(expect.objectContaining({ code: "MF_ERR_INVALID_OPTION", message: expect.stringContaining(`"${option}"`) }));
    }
  });
});

function check(fleet: Fleet): void {
  const m = fleet.intervals.length;
  const line = reduceLineSamples(fleet.samples, fleet.samples.length, m);
  let open = 0;
  let magnetic = 0;
  for (let i = 0; i < m; i++) {
    const expected = fleet.intervals.expected[i];
    const isOpen = line.loopMinMa[i] < 0.4 || line.tamperOpen[i] > 0;
    const isMagnetic = line.tamperEvents[i] > 0;
    const isShort = line.loopMaxMa[i] > 5.85;
    const sensor = SENSORS[fleet.intervals.sensor[i]];
    const kind = SIGNAL_KINDS[fleet.intervals.kind[i]];
    const row = { i, kind, sensor, open: isOpen, magnetic: isMagnetic };
    expect(row).toEqual({ ...row, open: (expected & FLAG.open_circuit) !== 0, magnetic: (expected & FLAG.magnetic) !== 0 });
    // A NAMUR short shows on the line too; other sensors show it only in the events.
    expect(isShort).toBe(kind === "shorted" && sensor === "namur");
    if (isOpen) open++;
    if (isMagnetic) magnetic++;
  }
  expect(open).toBeGreaterThan(0);
  expect(magnetic).toBeGreaterThan(0);
}
