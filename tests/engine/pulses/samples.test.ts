// Line samples -> loopMinMa, loopMaxMa, tamperOpen, tamperEvents: each outcome fires on the signal
// that must fire it and stays quiet on its near miss; empty intervals, NaN, order and options.
import { describe, expect, it } from "vitest";
import { LINE_SAMPLE_DEFAULTS, PulseInputError, reduceLineSamples } from "../../../engine/pulses/samples.js";
import type { LineSampleColumns, LineSampleOptions } from "../../../engine/pulses/samples.js";

interface Sample {
  /** Interval; 0 unless given. */
  i?: number;
  t?: number;
  loop?: number;
  tamper?: number;
  magnet?: number;
}

/** Columns from samples; times default to one a minute in input order. */
function columns(samples: Sample[]): LineSampleColumns {
  const n = samples.length;
  const c = {
    interval: new Uint32Array(n),
    t: new Float64Array(n),
    loopMa: new Float64Array(n),
    tamper: new Float64Array(n),
    magnetMt: new Float64Array(n),
  };
  samples.forEach((s, k) => {
    c.interval[k] = s.i ?? 0;
    c.t[k] = s.t ?? k * 60_000;
    c.loopMa[k] = s.loop ?? Number.NaN;
    c.tamper[k] = s.tamper ?? Number.NaN;
    c.magnetMt[k] = s.magnet ?? Number.NaN;
  });
  return c;
}

/** Reduces and returns the rows as plain records. */
function reduce(samples: Sample[], m = 1, options: LineSampleOptions = {}) {
  const r = reduceLineSamples(columns(samples), samples.length, m, options);
  return Array.from({ length: m }, (_, k) => ({
    loopMinMa: r.loopMinMa[k], loopMaxMa: r.loopMaxMa[k], tamperOpen: r.tamperOpen[k], tamperEvents: r.tamperEvents[k],
  }));
}

const tampers = (...states: number[]): Sample[] => states.map((tamper) => ({ tamper }));
const magnets = (...mt: number[]): Sample[] => mt.map((magnet) => ({ magnet }));

describe("reduceLineSamples: loop current", () => {
  it("min and max over the loop samples", () => {
    const [r] = reduce([{ loop: 1.2 }, { loop: 2.1 }, { loop: 0.9 }, { loop: 1.1 }]);
    expect([r.loopMinMa, r.loopMaxMa]).toEqual([0.9, 2.1]);
  });

  it("skips NaN loop samples (samples that carry only other columns)", () => {
    const [r] = reduce([{ loop: Number.NaN, tamper: 0 }, { loop: 1.2 }, { tamper: 0 }]);
    expect([r.loopMinMa, r.loopMaxMa]).toEqual([1.2, 1.2]);
  });

  it("is NaN without loop samples", () => {
    const [r] = reduce(tampers(0, 0));
    expect([r.loopMinMa, r.loopMaxMa]).toEqual([Number.NaN, Number.NaN]);
  });

  it("keeps a line fault's extremes: 0.1 mA (cut) and 7 mA (shorted)", () => {
    const [r] = reduce([{ loop: 1.2 }, { loop: 0.1 }, { loop: 7 }]);
    expect([r.loopMinMa, r.loopMaxMa]).toEqual([0.1, 7]);
  });
});

describe("reduceLineSamples: tamper loop", () => {
  it("defaults: 3 confirming samples, 5 mT", () => {
    expect(LINE_SAMPLE_DEFAULTS).toEqual({ confirmSamples: 3, magnetLimitMt: 5 });
  });

  it("fires: exactly 3 open samples that close again are one event", () => {
    expect(reduce(tampers(0, 1, 1, 1, 0))[0]).toMatchObject({ tamperEvents: 1, tamperOpen: 0 });
  });

  it("near miss: 2 open samples that close again are noise", () => {
    expect(reduce(tampers(0, 1, 1, 0, 0))[0]).toMatchObject({ tamperEvents: 0, tamperOpen: 0 });
  });

  it("open at the end of the interval is tamperOpen (a cut line), not an event", () => {
    expect(reduce(tampers(0, 0, 1, 1, 1, 1, 1))[0]).toMatchObject({ tamperEvents: 0, tamperOpen: 1 });
  });

  it("a confirmed event, then open at the end: one event and open", () => {
    expect(reduce(tampers(1, 1, 1, 0, 1))[0]).toMatchObject({ tamperEvents: 1, tamperOpen: 1 });
  });

  it("counts every confirmed run; a run opening the interval counts too", () => {
    expect(reduce(tampers(1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0))[0].tamperEvents).toBe(2);
  });

  it("NaN tamper samples neither extend nor break a run", () => {
    const samples: Sample[] = [{ tamper: 1 }, { tamper: 1 }, { loop: 1.2 }, { tamper: 1 }, { tamper: 0 }];
    expect(reduce(samples)[0].tamperEvents).toBe(1);
    const near: Sample[] = [{ tamper: 1 }, { loop: 1.2 }, { tamper: 1 }, { tamper: 0 }];
    expect(reduce(near)[0].tamperEvents).toBe(0);
  });

  it("any value above 0 is open, 0 is closed; tamperOpen is the last tamper sample", () => {
    expect(reduce(tampers(0, 2, 0.5, 1, 0))[0]).toMatchObject({ tamperEvents: 1, tamperOpen: 0 });
    expect(reduce([{ tamper: 1 }, { tamper: 0 }, { loop: 1 }])[0].tamperOpen).toBe(0);
  });

  it("confirmSamples is an option", () => {
    expect(reduce(tampers(1, 1, 1, 0), 1, { confirmSamples: 4 })[0].tamperEvents).toBe(0);
    expect(reduce(tampers(1, 1, 1, 1, 0), 1, { confirmSamples: 4 })[0].tamperEvents).toBe(1);
    expect(reduce(tampers(1, 0), 1, { confirmSamples: 1 })[0].tamperEvents).toBe(1);
  });
});

describe("reduceLineSamples: magnetic field sensor", () => {
  it("fires: 3 samples above 5 mT", () => {
    expect(reduce(magnets(0.05, 30, 42, 5.01, 0.05))[0].tamperEvents).toBe(1);
  });

  it("near miss: 2 samples above 5 mT", () => {
    expect(reduce(magnets(0.05, 30, 42, 0.05, 60))[0].tamperEvents).toBe(0);
  });

  it("near miss: a field exactly at the limit is not above it", () => {
    expect(reduce(magnets(5, 5, 5, 5))[0].tamperEvents).toBe(0);
    expect(reduce(magnets(5, 30, 30))[0].tamperEvents).toBe(0);
  });

  it("a run still above the limit at the end counts (no closing edge needed)", () => {
    expect(reduce(magnets(0.05, 20, 20, 20))[0]).toMatchObject({ tamperEvents: 1, tamperOpen: Number.NaN });
  });

  it("one event per run however long, one per run", () => {
    expect(reduce(magnets(20, 20, 20, 20, 20, 20, 20, 0, 20, 20, 20))[0].tamperEvents).toBe(2);
  });

  it("magnet and tamper events add up", () => {
    const samples: Sample[] = [
      { tamper: 0, magnet: 0.05 }, { tamper: 1, magnet: 40 }, { tamper: 1, magnet: 40 },
      { tamper: 1, magnet: 40 }, { tamper: 0, magnet: 0.05 },
    ];
    expect(reduce(samples)[0]).toMatchObject({ tamperEvents: 2, tamperOpen: 0 });
  });

  it("magnetLimitMt is an option", () => {
    expect(reduce(magnets(3, 3, 3), 1, { magnetLimitMt: 2 })[0].tamperEvents).toBe(1);
  });
});

describe("reduceLineSamples: intervals", () => {
  it("empty intervals are NaN in every column", () => {
    const rows = reduce([{ i: 1, loop: 1.2, tamper: 0 }], 3);
    const none = { loopMinMa: Number.NaN, loopMaxMa: Number.NaN, tamperOpen: Number.NaN, tamperEvents: Number.NaN };
    expect(rows[0]).toEqual(none);
    expect(rows[1]).toEqual({ loopMinMa: 1.2, loopMaxMa: 1.2, tamperOpen: 0, tamperEvents: 0 });
    expect(rows[2]).toEqual(none);
  });

  it("tamperEvents is 0 (measured) with only magnet samples, NaN with only loop samples", () => {
    expect(reduce(magnets(0.05))[0]).toMatchObject({ tamperEvents: 0, tamperOpen: Number.NaN });
    expect(reduce([{ loop: 1.2 }])[0]).toMatchObject({ tamperEvents: Number.NaN, tamperOpen: Number.NaN });
  });

  it("runs do not cross intervals", () => {
    const samples: Sample[] = [
      { i: 0, tamper: 1, t: 0 }, { i: 0, tamper: 1, t: 1 }, { i: 1, tamper: 1, t: 2 }, { i: 1, tamper: 0, t: 3 },
      { i: 2, magnet: 9, t: 4 }, { i: 2, magnet: 9, t: 5 }, { i: 3, magnet: 9, t: 6 }, { i: 3, magnet: 0, t: 7 },
    ];
    const rows = reduce(samples, 4);
    expect(rows.map((r) => r.tamperEvents)).toEqual([0, 0, 0, 0]);
    expect(rows.map((r) => r.tamperOpen)).toEqual([1, 0, Number.NaN, Number.NaN]);
  });

  it("equal times are in order; no samples at all gives NaN rows", () => {
    expect(reduce([{ loop: 1, t: 5 }, { loop: 2, t: 5 }])[0].loopMaxMa).toBe(2);
    expect(reduce([], 2)).toHaveLength(2);
    expect(reduce([], 0)).toEqual([]);
  });

  it("reduces only the first n samples", () => {
    const c = columns([{ loop: 1 }, { loop: 9 }]);
    expect(reduceLineSamples(c, 1, 1).loopMaxMa[0]).toBe(1);
  });

  it("writes into given columns, e.g. a kernel batch's (rows beyond m untouched)", () => {
    const into = {
      loopMinMa: new Float64Array(3).fill(7), loopMaxMa: new Float64Array(3).fill(7),
      tamperOpen: new Float64Array(3).fill(7), tamperEvents: new Float64Array(3).fill(7),
    };
    const r = reduceLineSamples(columns([{ i: 1, loop: 1.5 }]), 1, 2, { into });
    expect(r).toBe(into);
    expect(Array.from(into.loopMinMa)).toEqual([Number.NaN, 1.5, 7]);
  });
});

describe("reduceLineSamples: bad input", () => {
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return undefined;
  };

  it("time out of order within an interval: MF_ERR_PULSE_UNSORTED, naming the row", () => {
    const c = columns([{ t: 10 }, { t: 20 }, { t: 15 }]);
    expect(code(() => reduceLineSamples(c, 3, 1))).toBe("MF_ERR_PULSE_UNSORTED");
    try {
      reduceLineSamples(c, 3, 1);
    } catch (error) {
      expect(error).toBeInstanceOf(PulseInputError);
      expect((error as PulseInputError).row).toBe(2);
    }
  });

  it("interval out of order, or an interval seen twice apart: MF_ERR_PULSE_UNSORTED", () => {
    expect(code(() => reduceLineSamples(columns([{ i: 1 }, { i: 0 }]), 2, 2))).toBe("MF_ERR_PULSE_UNSORTED");
    expect(code(() => reduceLineSamples(columns([{ i: 0 }, { i: 1 }, { i: 0 }]), 3, 2))).toBe("MF_ERR_PULSE_UNSORTED");
  });

  it("a NaN time: MF_ERR_PULSE_UNSORTED", () => {
    expect(code(() => reduceLineSamples(columns([{ t: Number.NaN }]), 1, 1))).toBe("MF_ERR_PULSE_UNSORTED");
  });

  it("an interval not below m: MF_ERR_PULSE_INTERVAL", () => {
    expect(code(() => reduceLineSamples(columns([{ i: 0 }, { i: 2 }]), 2, 2))).toBe("MF_ERR_PULSE_INTERVAL");
  });

  it("bad options and counts name themselves: MF_ERR_INVALID_OPTION", () => {
    const c = columns([{ loop: 1 }]);
    expect(code(() => reduceLineSamples(c, 1, 1, { confirmSamples: 0 }))).toBe("MF_ERR_INVALID_OPTION");
    expect(() => reduceLineSamples(c, 1, 1, { confirmSamples: 2.5 })).toThrow(/confirmSamples/);
    expect(() => reduceLineSamples(c, 1, 1, { magnetLimitMt: Number.NaN })).toThrow(/magnetLimitMt/);
    expect(() => reduceLineSamples(c, 2, 1)).toThrow(/"n"/);
    expect(() => reduceLineSamples(c, 1, -1)).toThrow(/"m"/);
    const into = { loopMinMa: new Float64Array(0), loopMaxMa: new Float64Array(1), tamperOpen: new Float64Array(1), tamperEvents: new Float64Array(1) };
    expect(() => reduceLineSamples(c, 1, 1, { into })).toThrow(/into\.loopMinMa/);
  });
});
