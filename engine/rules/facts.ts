// The facts a rule can name for one reading: the reading's fields, its meter's, what the
// consumption kernel computed, the meter's history statistics and the operator's flag. Every
// fact is present for every reading (never "undefined fact"); absent values are null.

/**
 * Factors of the history validation (the default rules' spike-high and drop-low): a period whose
 * daily use exceeds 5x the meter's own average, or falls below a twentieth of it (and is not
 * zero, which has rules of its own), is held for a look, once the meter has 10 billed readings.
 * Daily reads are noisy (a weekend, a holiday), so the factors are wide: what they catch is a
 * bill that would be wrong by an order of magnitude. Rules compare against the derived facts
 * average_daily_high and average_daily_low, because rule JSON cannot multiply.
 */
export const SPIKE_FACTORS = Object.freeze({ high: 5, low: 0.05 } as const);

/** A fact's type, as the rule lint checks it. */
export type FactType = "number" | "string" | "boolean";

/** A fact: its type and what it means (the README's facts table is this list). */
export interface FactSpec {
  type: FactType;
  description: string;
}

/** Every fact of a reading, by name. */
export const FACTS: Readonly<Record<string, FactSpec>> = Object.freeze({
  // The reading
  meter_id: { type: "string", description: "the reading's meter id" },
  end: { type: "string", description: "end of the period, YYYY-MM-DD" },
  value: { type: "number", description: "the register reading" },
  override: { type: "number", description: "the override consumption, null when absent" },
  source: { type: "string", description: "auto, manual or import" },
  verification: { type: "boolean", description: "the meter is under verification (null when not said)" },
  // The meter
  meter_type: { type: "string", description: "the registry's type, e.g. electricity.register" },
  unit: { type: "string", description: "the meter's unit" },
  scaling_factor: { type: "number", description: "the meter's scaling factor" },
  digits: { type: "number", description: "configured dial count, null when inferred" },
  // The consumption kernel
  consumption: { type: "number", description: "consumption of the period (0 for a first reading)" },
  previous: { type: "number", description: "the previous accepted reading, null for a first reading" },
  days: { type: "number", description: "days in the period, inclusive" },
  daily: { type: "number", description: "consumption per day" },
  initial: { type: "boolean", description: "first reading of the meter (flag)" },
  rollover: { type: "boolean", description: "the register wrapped (flag)" },
  rollover_inferred: { type: "boolean", description: "the wrap's maximum was inferred from the previous reading (flag)" },
  implausible_rollover: { type: "boolean", description: "the wrap implies more than the plausible share of the register (flag)" },
  zero: { type: "boolean", description: "consumption is exactly 0 (flag)" },
  // Pulse faults (pulse meters; false for registers)
  open_circuit: { type: "boolean", description: "impulse sensor: open circuit" },
  short_circuit: { type: "boolean", description: "impulse sensor: short circuit" },
  magnetic: { type: "boolean", description: "impulse sensor: external magnetic field" },
  bounce: { type: "boolean", description: "impulse sensor: contact bounce / wrong pulse parameters" },
  leak: { type: "boolean", description: "no pulse-free slot in 24 hours" },
  no_consumption: { type: "boolean", description: "no pulses for the configured number of days" },
  backflow: { type: "boolean", description: "direction input reports backflow" },
  // History statistics of the meter, before this reading
  history_readings: { type: "number", description: "billed readings of the meter so far" },
  average_daily: { type: "number", description: "average daily consumption of the billed readings, null without history" },
  average_daily_high: { type: "number", description: "average_daily x 5 (SPIKE_FACTORS.high): above it a period's daily use is a spike" },
  average_daily_low: { type: "number", description: "average_daily x 0.05 (SPIKE_FACTORS.low): below it a period's daily use is a drop" },
  // Operator
  meter_temp_bad: { type: "boolean", description: "the meter is flagged temp_bad (by an operator, or by a temp_bad rule on an earlier reading) and not cleared" },
});

/** Fact types by name, as the rule lint takes them. */
export function factTypes(): Record<string, FactType> {
  return Object.fromEntries(Object.entries(FACTS).map(([name, spec]) => [name, spec.type]));
}

/** The facts of one reading, all present. */
export type ReadingFacts = Record<keyof typeof FACTS, string | number | boolean | null>;

/**
 * A facts object with every fact at a placeholder of its type (null for the facts that can be
 * absent). Written out as a literal so the object has fixed properties, and numbers start as
 * numbers: a field that only ever holds numbers keeps them unboxed, where one that held null
 * would allocate a box for every number the pipeline writes into it, for every reading.
 */
export function createFacts(): ReadingFacts {
  return {
    meter_id: "",
    end: "",
    value: 0.5,
    override: null,
    source: "",
    verification: null,
    meter_type: "",
    unit: "",
    scaling_factor: 0.5,
    digits: null,
    consumption: 0.5,
    previous: null,
    days: 0.5,
    daily: 0.5,
    initial: false,
    rollover: false,
    rollover_inferred: false,
    implausible_rollover: false,
    zero: false,
    open_circuit: false,
    short_circuit: false,
    magnetic: false,
    bounce: false,
    leak: false,
    no_consumption: false,
    backflow: false,
    history_readings: 0.5,
    average_daily: null,
    average_daily_high: null,
    average_daily_low: null,
    meter_temp_bad: false,
  };
}
