// The one list of the facts a rule can name for a reading (DESIGN.md "One list of facts"): name,
// type, where the value comes from, whether it can be null, and what it means. The engine derives
// from it the rules' fact columns, the row-by-row judge's facts object, the rule linter's known
// facts and types, and (with the record fields below) the SDK's RESERVED_NAMES. A back-dated or
// manual reading gets every one of these facts like any other reading.

/** A fact's type, as rules compare it. */
export type ReadingFactType = "number" | "string" | "boolean";

/**
 * Where a fact's value comes from: the reading as it arrived, its meter's registry row, the
 * consumption kernel, one of the kernel's flags (a pulse fault or a register flag), the meter's
 * history before this reading, or the operator's flags.
 */
export type ReadingFactOrigin = "reading" | "meter" | "kernel" | "flag" | "history" | "operator";

/** One fact of a reading. */
export interface ReadingFactSpec {
  readonly name: string;
  readonly type: ReadingFactType;
  readonly origin: ReadingFactOrigin;
  /** Whether the fact can be null (absent); a fact is never undefined. */
  readonly nullable: boolean;
  readonly description: string;
}

const fact = (name: string, type: ReadingFactType, origin: ReadingFactOrigin, nullable: boolean, description: string): ReadingFactSpec =>
  Object.freeze({ name, type, origin, nullable, description });

/**
 * Every fact of a reading, in a fixed order (the facts object's property order).
 *
 * @example
 * READING_FACTS.filter((f) => f.origin === "flag").map((f) => f.name); // ["initial", "rollover", ...]
 */
export const READING_FACTS: readonly ReadingFactSpec[] = Object.freeze([
  fact("meter_id", "string", "reading", false, "the reading's meter id"),
  fact("end", "string", "reading", false, "end of the period, YYYY-MM-DD"),
  fact("value", "number", "reading", false, "the register reading"),
  fact("override", "number", "reading", true, "the override consumption, null when absent"),
  fact("source", "string", "reading", false, "auto, manual or import"),
  fact("verification", "boolean", "reading", true, "the meter is under verification (null when not said)"),
  fact("has_photo", "boolean", "reading", false, "a photo of the meter's dial came with the reading (a manual reading through the control API); false for every other reading"),
  fact("meter_type", "string", "meter", false, "the registry's type, e.g. electricity.register"),
  fact("unit", "string", "meter", false, "the meter's unit"),
  fact("scaling_factor", "number", "meter", false, "the meter's scaling factor"),
  fact("digits", "number", "meter", true, "configured dial count, null when inferred"),
  fact("consumption", "number", "kernel", false, "consumption of the period (0 for a first reading)"),
  fact("previous", "number", "kernel", true, "the previous trusted reading, null for a first reading"),
  fact("days", "number", "kernel", false, "days in the period, inclusive"),
  fact("daily", "number", "kernel", false, "consumption per day"),
  fact("initial", "boolean", "flag", false, "first reading of the meter (flag)"),
  fact("rollover", "boolean", "flag", false, "the register wrapped (flag)"),
  fact("rollover_inferred", "boolean", "flag", false, "the wrap's maximum was inferred from the previous reading (flag)"),
  fact("implausible_rollover", "boolean", "flag", false, "the wrap implies more than the plausible share of the register (flag)"),
  fact("zero", "boolean", "flag", false, "consumption is exactly 0 (flag)"),
  fact("open_circuit", "boolean", "flag", false, "impulse sensor: open circuit"),
  fact("short_circuit", "boolean", "flag", false, "impulse sensor: short circuit"),
  fact("magnetic", "boolean", "flag", false, "impulse sensor: external magnetic field"),
  fact("bounce", "boolean", "flag", false, "impulse sensor: contact bounce / wrong pulse parameters"),
  fact("leak", "boolean", "flag", false, "no pulse-free slot in 24 hours"),
  fact("no_consumption", "boolean", "flag", false, "no pulses for the configured number of days"),
  fact("backflow", "boolean", "flag", false, "direction input reports backflow"),
  fact("history_readings", "number", "history", false, "billed readings of the meter so far"),
  fact("average_daily", "number", "history", true, "average daily consumption of the billed readings, null without history"),
  fact("average_daily_high", "number", "history", true, "average_daily x 5 (SPIKE_FACTORS.high): above it a period's daily use is a spike"),
  fact("average_daily_low", "number", "history", true, "average_daily x 0.05 (SPIKE_FACTORS.low): below it a period's daily use is a drop"),
  fact("meter_temp_bad", "boolean", "operator", false, "the meter is flagged temp_bad (by an operator, or by a temp_bad rule on an earlier reading) and not cleared"),
]);

/**
 * Field names of the engine's input and output records that are not facts (readings' pulse
 * summary columns, billing and held columns, sensor rows): no channel or fact may take them either.
 */
export const RECORD_FIELDS: readonly string[] = Object.freeze([
  "channel", "correction", "current", "flags", "loop_max_ma", "loop_min_ma", "pulse_debounced", "pulse_free_max_min",
  "pulse_max_closed_ms", "pulse_min_gap_ms", "pulse_min_on_ms", "reading_id", "reasons", "reverse_count", "start",
  "tamper_events", "tamper_open", "time",
]);
