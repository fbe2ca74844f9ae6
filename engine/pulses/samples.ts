// Line samples -> the pulse kernel's line inputs (loopMinMa, loopMaxMa, tamperOpen, tamperEvents),
// one row per interval. A pulse channel's module samples its line at a low rate (every 10 s to
// a few minutes): NAMUR loop current, the reed sensor's tamper (sabotage) loop, a magnetic field
// sensor. DESIGN.md "Pulse meters and impulse-sensor faults"; the fault rules: ./reference.ts.
//
// Input: samples sorted by interval, then time; per column NaN = this sample does not carry it.
// Per interval:
//   loopMinMa, loopMaxMa  min / max over the samples' loop currents; NaN when there is none.
//   tamperOpen            the LAST tamper sample of the interval: 1 open (> 0), 0 closed (0 or
//                         less); NaN without tamper samples. A loop still open when the interval
//                         ends is a cut line (open circuit), not a magnet.
//   tamperEvents          confirmed magnetic events, NaN when the interval has neither tamper nor
//                         magnet samples, else a count >= 0:
//                         - a run of >= confirmSamples consecutive open tamper samples that a
//                           closed sample ends within the interval (a magnet held to the reed
//                           sensor, then taken away). A run still open at the end is tamperOpen.
//                         - a run of >= confirmSamples consecutive magnetMt samples strictly
//                           above magnetLimitMt (a magnet at the limit is legal), counted whether
//                           or not it ends within the interval.
//                         "Consecutive" counts only the samples carrying that column: a sample
//                         with NaN tamper neither extends nor breaks a tamper run. Runs never
//                         cross intervals: each interval (a channel-day) is judged on its own.
// Defaults: confirmSamples 3 (one or two odd samples are noise; three in a row, e.g. 3 minutes
// at one sample a minute, are a held magnet), magnetLimitMt 5 (the earth's field is ~0.05 mT,
// a hand-held neodymium magnet gives tens of mT at a meter's housing).
import { InvalidOptionError, MeterflowError } from "../errors.js";

/** Line samples as columns, sorted by interval then time; NaN in a column = not carried. */
export interface LineSampleColumns {
  /** Interval (e.g. channel-day) index of each sample, from 0 to m - 1. */
  readonly interval: Uint32Array;
  /** Sample time, ms since epoch (UTC). */
  readonly t: Float64Array;
  /** NAMUR loop current, mA. */
  readonly loopMa: Float64Array;
  /** Tamper loop: 0 closed (normal), 1 open. */
  readonly tamper: Float64Array;
  /** Magnetic field, mT. */
  readonly magnetMt: Float64Array;
}

/** The pulse kernel's line inputs per interval (same names as its columns). */
export interface LineSummary {
  readonly loopMinMa: Float64Array;
  readonly loopMaxMa: Float64Array;
  readonly tamperOpen: Float64Array;
  readonly tamperEvents: Float64Array;
}

/** Options of {@link reduceLineSamples}. */
export interface LineSampleOptions {
  /** Consecutive samples that confirm a magnetic event (default 3). */
  confirmSamples?: number;
  /** Magnetic field above which a sample counts toward an event, mT (default 5). */
  magnetLimitMt?: number;
  /**
   * Columns to write rows 0..m-1 into instead of new arrays, e.g. a PulseBatch's `columns`, so
   * the summary lands where the kernel reads it.
   */
  into?: LineSummary;
}

/** Defaults of {@link LineSampleOptions}. */
export const LINE_SAMPLE_DEFAULTS = Object.freeze({ confirmSamples: 3, magnetLimitMt: 5 });

const SUMMARY_COLUMNS = ["loopMinMa", "loopMaxMa", "tamperOpen", "tamperEvents"] as const;

/** Codes of {@link PulseInputError}. */
export type PulseInputErrorCode = "MF_ERR_PULSE_UNSORTED" | "MF_ERR_PULSE_INTERVAL";

/**
 * Pulse input that cannot be reduced: not sorted by interval then time, or a NaN time
 * (`MF_ERR_PULSE_UNSORTED`), or an interval index not below the interval count
 * (`MF_ERR_PULSE_INTERVAL`). `row` is the offending input row.
 */
export class PulseInputError extends MeterflowError {
  override name = "PulseInputError";
  declare readonly code: PulseInputErrorCode;
  readonly row: number;

  constructor(code: PulseInputErrorCode, row: number, message: string) {
    super(code, message);
    this.row = row;
  }
}

/**
 * Reduces `n` line samples to the pulse kernel's line inputs for `m` intervals.
 *
 * @example
 * // Interval 0: a reed sensor whose tamper loop opens for 3 samples, then closes: one event.
 * const s = {
 *   interval: new Uint32Array([0, 0, 0, 0, 0]),
 *   t: new Float64Array([0, 60e3, 120e3, 180e3, 240e3]),
 *   loopMa: new Float64Array(5).fill(NaN),
 *   tamper: new Float64Array([0, 1, 1, 1, 0]),
 *   magnetMt: new Float64Array(5).fill(NaN),
 * };
 * const r = reduceLineSamples(s, 5, 1); // r.tamperEvents[0] === 1, r.tamperOpen[0] === 0
 */
export function reduceLineSamples(samples: LineSampleColumns, n: number, m: number, options: LineSampleOptions = {}): LineSummary {
  const confirm = options.confirmSamples ?? LINE_SAMPLE_DEFAULTS.confirmSamples;
  const limit = options.magnetLimitMt ?? LINE_SAMPLE_DEFAULTS.magnetLimitMt;
  if (!Number.isInteger(confirm) || confirm < 1) throw new InvalidOptionError("confirmSamples", "an integer >= 1", confirm);
  if (!Number.isFinite(limit)) throw new InvalidOptionError("magnetLimitMt", "a finite number", limit);
  if (!Number.isInteger(m) || m < 0) throw new InvalidOptionError("m", "an integer >= 0", m);
  const { interval, t, loopMa, tamper, magnetMt } = samples;
  const rows = Math.min(interval.length, t.length, loopMa.length, tamper.length, magnetMt.length);
  if (!Number.isInteger(n) || n < 0 || n > rows) throw new InvalidOptionError("n", `an integer from 0 to the columns' length ${rows}`, n);
  const out = options.into ?? {
    loopMinMa: new Float64Array(m),
    loopMaxMa: new Float64Array(m),
    tamperOpen: new Float64Array(m),
    tamperEvents: new Float64Array(m),
  };
  for (const name of SUMMARY_COLUMNS) {
    const column = out[name];
    if (column.length < m) throw new InvalidOptionError(`into.${name}`, `a column of at least ${m} rows`, column.length);
  }
  out.loopMinMa.fill(Number.NaN, 0, m);
  out.loopMaxMa.fill(Number.NaN, 0, m);
  out.tamperOpen.fill(Number.NaN, 0, m);
  out.tamperEvents.fill(Number.NaN, 0, m);

  let i = 0;
  while (i < n) {
    const k = interval[i];
    if (k >= m) throw new PulseInputError("MF_ERR_PULSE_INTERVAL", i, `sample ${i}: interval ${k} is not below the interval count ${m}`);
    let lo = Infinity;
    let hi = -Infinity;
    let last = Number.NaN; // last tamper state: 1 open, 0 closed
    let seen = false; // a tamper or magnet sample
    let events = 0;
    let openRun = 0;
    let magnetRun = 0;
    let prevT = -Infinity;
    for (; i < n && interval[i] === k; i++) {
      const ti = t[i];
      if (!(ti >= prevT)) throw new PulseInputError("MF_ERR_PULSE_UNSORTED", i, `sample ${i}: time ${ti} is not in time order within interval ${k}`);
      prevT = ti;
      const loop = loopMa[i];
      if (loop < lo) lo = loop;
      if (loop > hi) hi = loop;
      const tam = tamper[i];
      if (tam === tam) {
        seen = true;
        if (tam > 0) {
          openRun++;
          last = 1;
        } else {
          if (openRun >= confirm) events++;
          openRun = 0;
          last = 0;
        }
      }
      const mag = magnetMt[i];
      if (mag === mag) {
        seen = true;
        if (mag > limit) {
          if (++magnetRun === confirm) events++; // once per run, when it is confirmed
        } else magnetRun = 0;
      }
    }
    if (i < n && interval[i] < k) throw new PulseInputError("MF_ERR_PULSE_UNSORTED", i, `sample ${i}: interval ${interval[i]} follows interval ${k}`);
    if (lo <= hi) {
      out.loopMinMa[k] = lo;
      out.loopMaxMa[k] = hi;
    }
    out.tamperOpen[k] = last;
    if (seen) out.tamperEvents[k] = events;
  }
  return out;
}
