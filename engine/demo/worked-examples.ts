// The README's worked examples of the consumption formula (README "Worked examples"), computed
// by the consumption kernel itself: `meterflow demo` prints them, so the table a newcomer reads
// is the arithmetic the run does.
import { createConsumptionKernel, inferDigits, ROLLOVER_MODE } from "../consumption/index.js";
import { flagNames } from "../flags/flags.js";
import { parseDay } from "../time/index.js";

/** One example: the previous and current register values and the meter's configuration. */
export interface WorkedExample {
  /** Previous reading; null for a first reading. */
  previous: number | null;
  current: number;
  /** The configuration as the README's table words it ("" when none). */
  configuration: string;
  scale?: number;
  reset?: number;
  digits?: number;
  modulus?: boolean;
  override?: number;
}

/** The README's examples, in its order (all with previous end 2026-10-31 and end 2026-11-30). */
export const WORKED_EXAMPLES: readonly WorkedExample[] = [
  { previous: 4825, current: 4900, configuration: "" },
  { previous: 100, current: 150, configuration: "factor 2.5", scale: 2.5 },
  { previous: 100, current: 150, configuration: "factor 10, override 42", scale: 10, override: 42 },
  { previous: 150, current: 150, configuration: "" },
  { previous: 9990, current: 5, configuration: "reset value 10000, factor 2", reset: 10000, scale: 2 },
  { previous: 985, current: 10, configuration: "" },
  { previous: 9990, current: 12, configuration: "factor 3", scale: 3 },
  { previous: 999, current: 0, configuration: "3 digits, documented", digits: 3 },
  { previous: 999, current: 0, configuration: "3 digits, modulus", digits: 3, modulus: true },
  { previous: 99990, current: 5, configuration: "5 digits", digits: 5 },
  { previous: 950, current: 10, configuration: "5 digits", digits: 5 },
  { previous: 4825, current: 4820, configuration: "" },
  { previous: null, current: 1234, configuration: "" },
];

/** A computed example as the table's cells: previous, current, configuration, consumption, flags. */
export type WorkedExampleRow = [string, string, string, string, string];

/** The table's header. */
export const WORKED_EXAMPLES_HEADER = ["previous", "current", "configuration", "consumption", "flags"];

/**
 * Computes the examples with the consumption kernel (the implementation `meterflow run` uses).
 * An inferred rollover shows the register maximum it inferred: `24 (max 999)`.
 */
export function workedExamples(examples: readonly WorkedExample[] = WORKED_EXAMPLES): WorkedExampleRow[] {
  const kernel = createConsumptionKernel();
  const batch = kernel.allocate(examples.length);
  try {
    const c = batch.columns;
    const prevEnd = parseDay("2026-10-31");
    const end = parseDay("2026-11-30");
    examples.forEach((e, i) => {
      c.prev[i] = e.previous ?? Number.NaN;
      c.cur[i] = e.current;
      c.scale[i] = e.scale ?? 1;
      c.reset[i] = e.reset ?? Number.NaN;
      c.digits[i] = e.digits ?? 0;
      c.mode[i] = e.modulus === true ? ROLLOVER_MODE.modulus : ROLLOVER_MODE.documented;
      c.override[i] = e.override ?? Number.NaN;
      c.prevEnd[i] = prevEnd;
      c.end[i] = end;
    });
    kernel.compute(batch, examples.length);
    return examples.map((e, i) => {
      const flags = flagNames(c.flags[i]);
      let consumption = String(Math.round(c.consumption[i] * 1e6) / 1e6);
      if (flags.includes("rollover_inferred") && e.previous !== null) consumption += ` (max ${10 ** inferDigits(e.previous) - 1})`;
      return [e.previous === null ? "(none)" : String(e.previous), String(e.current), e.configuration, consumption, flags.join(", ")];
    });
  } finally {
    kernel.release(batch);
  }
}
