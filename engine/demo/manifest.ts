// What generateDemoData wrote: file paths, expected row counts and the scenario list, so tests
// and `meterflow demo` can check meterflow's outcomes against what was planted in the data.
import type { FlagName } from "../flags/index.js";
import type { DemoPulses } from "./pulses.js";
import type { DemoSensors } from "./sensors.js";

/** Rejection reasons the demo data plants (the names of rejected.csv's `reason` column). */
export const BAD_ROW_REASONS = [
  "column_count",
  "missing_meter_id",
  "bad_value",
  "non_finite_value",
  "negative_value",
  "value_exceeds_register",
  "bad_date",
  "future_date",
  "field_too_long",
  "bad_override",
  "bad_source",
  "bad_verification",
] as const;

/** A rejection reason name. */
export type BadRowReason = (typeof BAD_ROW_REASONS)[number];

/** Kinds of planted scenario. */
export type DemoScenarioKind =
  | "back_dated"
  | "bad_row"
  | "conflict"
  | "duplicate"
  | "hierarchy"
  | "initial"
  | "meter_exchange"
  | "override"
  | "registry_baseline"
  | "rollover_configured"
  | "rollover_inferred"
  | "rollover_reset"
  | "unknown_meter"
  | "vacant"
  | "verification_zero";

/** What meterflow should make of a scenario's reading(s); only what DESIGN.md fixes is given. */
export interface DemoExpectation {
  /** Where the reading ends up. Absent when the rule set decides (e.g. conflicts). */
  outcome?: "billable" | "held" | "rejected" | "duplicate";
  /** For `rejected`: the reason code name. */
  reason?: BadRowReason;
  /** Consumption flags of the reading (rules 1-8), in flag-bit order. */
  flags?: FlagName[];
  /** Consumption of the reading, computed as the reference implementation does. */
  consumption?: number;
  /** Days of the reading's period (inclusive). */
  days?: number;
  /** Meters related to this one: a parent's sub-meters. */
  related?: string[];
  /** Day (YYYY-MM-DD) of another reading the scenario affects: the one recomputed after a back-dated reading. */
  correctedDay?: string;
}

/** One planted case. */
export interface DemoScenario {
  kind: DemoScenarioKind;
  /** The meter id as written ("" for the row without a meter id). */
  meterId: string;
  /** The day concerned (YYYY-MM-DD); for a bad row, the day whose reading it replaced. */
  day: string;
  /** 1-based lines in readings.csv (line 1 is the header) of the rows this case is about; empty for registry-only cases. */
  lines: number[];
  expect: DemoExpectation;
  /** A human sentence. */
  note: string;
}

/** Row counts of readings.csv (header excluded). */
export interface DemoRowCounts {
  /** Every data row. */
  total: number;
  /** Rows that must be rejected, by reason (every reason present, 0 when not planted). */
  bad: Record<BadRowReason, number>;
  /** Sum of `bad`. */
  badTotal: number;
  /** Exact copies of an earlier row (the copies only). */
  duplicates: number;
  /** Rows for a meter and day that already has a row, with another value (the second rows only). */
  conflicts: number;
  /** Rows of meters missing from meters.csv. */
  unknownMeter: number;
  /** Rows placed after newer readings of the same meter. */
  backDated: number;
  /** Rows with an override (source manual). */
  overrides: number;
  /** First readings of registry meters without a baseline (flagged initial). */
  initial: number;
}

/** The result of generateDemoData. */
export interface DemoManifest {
  dir: string;
  files: {
    meters: string; readings: string; pulseReadings: string; pulseEvents: string;
    /** Two refrigerated trucks' temperature loggers (sensor rows). */
    coldChain: string;
    /** The plugin configuration naming the cold-chain profile. */
    config: string;
  };
  seed: number;
  /** First and last reading day (YYYY-MM-DD). */
  startDay: string;
  endDay: string;
  days: number;
  /** Rows of meters.csv. */
  meters: number;
  rows: DemoRowCounts;
  scenarios: DemoScenario[];
  /** The pulse meters: radio-module summaries and logger channels (./pulses.ts). */
  pulses: DemoPulses;
  /** Sensor channels: the modules' temperature and battery, the trucks' loggers (./sensors.ts). */
  sensors: DemoSensors;
}
