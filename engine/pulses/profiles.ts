// Threshold profiles of the pulse inputs a meter can have (registry column `pulse_input`), and
// the per-meter thresholds the interval kernel gets. Sources: DESIGN.md "Pulse meters and
// impulse-sensor faults"; S0 is EN 62053-31 (on >= 30 ms, off >= 30 ms, transition < 5 ms; class
// A for long lines: on-state current at most 27 mA, class B for short low-power lines: at most
// 15 mA); NAMUR is EN 60947-5-6 (line fault below 0.4 mA or above 5.85 mA here); a reed sensor
// with a tamper (sabotage) loop reports a cut or a magnet through that loop.

/** Pulse input types, by registry name; the value is the code kept per meter. */
export const PULSE_INPUT = Object.freeze({ s0a: 0, s0b: 1, namur: 2, reed: 3 } as const);

/** A `pulse_input` name. */
export type PulseInputName = keyof typeof PULSE_INPUT;

/** The default thresholds of one pulse input type. NaN turns a rule off. */
export interface PulseProfile {
  /** Debounce time, ms: a pulse (or a gap) shorter than this is contact bounce. */
  debounceMs: number;
  /** Minimum legal on-time, ms. */
  specMinOnMs: number;
  /** Minimum legal on + off time (leading edge to leading edge), ms. */
  specMinGapMs: number;
  /** Longest plausible closed time without a nominal width, ms (see shortClosedMs). */
  shortClosedMs: number;
  /** Loop current below this: open line, mA. */
  loopLowMa: number;
  /** Loop current above this: shorted line, mA. */
  loopHighMa: number;
}

/**
 * Defaults per input type:
 * - `s0a`, `s0b`: S0 timing (30 ms on, 60 ms on + off, debounce 5 ms = the transition time),
 *   closed longer than 120 ms (or 3 x the nominal width) is a short; a loop current above 27 mA
 *   (class A) or 15 mA (class B) is a short; an open S0 line is only inferable (no_consumption),
 *   so there is no low limit (the off state carries no current).
 * - `namur`: the same timing, loop limits 0.4 / 5.85 mA.
 * - `reed`: debounce 10 ms; no S0 timing and no closed-time limit (a slowly turning magnet keeps
 *   a reed closed for seconds at low flow); open line and magnets come from the tamper loop.
 */
export const PULSE_PROFILES: Readonly<Record<PulseInputName, Readonly<PulseProfile>>> = Object.freeze({
  s0a: { debounceMs: 5, specMinOnMs: 30, specMinGapMs: 60, shortClosedMs: 120, loopLowMa: Number.NaN, loopHighMa: 27 },
  s0b: { debounceMs: 5, specMinOnMs: 30, specMinGapMs: 60, shortClosedMs: 120, loopLowMa: Number.NaN, loopHighMa: 15 },
  namur: { debounceMs: 5, specMinOnMs: 30, specMinGapMs: 60, shortClosedMs: 120, loopLowMa: 0.4, loopHighMa: 5.85 },
  reed: { debounceMs: 10, specMinOnMs: Number.NaN, specMinGapMs: Number.NaN, shortClosedMs: Number.NaN, loopLowMa: Number.NaN, loopHighMa: Number.NaN },
});

const NAMES = Object.keys(PULSE_INPUT) as PulseInputName[];

/** The profile of an input code. */
export function profileOf(code: number): Readonly<PulseProfile> {
  return PULSE_PROFILES[NAMES[code] ?? "s0a"];
}

/** The name of an input code. */
export function pulseInputName(code: number): PulseInputName {
  return NAMES[code] ?? "s0a";
}

/** A meter's pulse settings from the registry (NaN where not configured). */
export interface PulseSettings {
  input: number;
  weight: number;
  /** Nominal pulse width, ms: the short-circuit limit becomes max(profile limit, 3 x width). */
  widthMs: number;
  /** Maximum flow, units per hour: more pulses than it allows over the interval is `magnetic`. */
  qmax: number;
  /** Days without pulses that raise `no_consumption` (where consumption is expected). */
  noPulseDays: number;
  /** Debounce time replacing the profile's. */
  debounceMs: number;
}

/** Factor on the nominal pulse width for the longest plausible closed time. */
export const SHORT_CLOSED_WIDTH_FACTOR = 3;

/** The kernel thresholds of one meter over an interval of `spanMin` minutes. */
export function thresholdsOf(s: PulseSettings, spanMin: number) {
  const p = profileOf(s.input);
  const width = s.widthMs * SHORT_CLOSED_WIDTH_FACTOR;
  return {
    weight: s.weight,
    debounceMs: s.debounceMs === s.debounceMs ? s.debounceMs : p.debounceMs,
    specMinOnMs: p.specMinOnMs,
    specMinGapMs: p.specMinGapMs,
    shortClosedMs: width === width && p.shortClosedMs === p.shortClosedMs ? Math.max(p.shortClosedMs, width) : p.shortClosedMs,
    namurLowMa: p.loopLowMa,
    namurHighMa: p.loopHighMa,
    maxPulses: (s.qmax * spanMin) / 60 / s.weight,
    leakSlotMin: 60,
    noPulseDays: s.noPulseDays,
  };
}
