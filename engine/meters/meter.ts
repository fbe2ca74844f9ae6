// A meter of the registry (DESIGN.md "Meter registry"), as the engine holds it.

/** Rollover mode names (see engine/consumption ROLLOVER_MODE for their codes). */
export type RolloverModeName = "documented" | "modulus";

/** One registry row, validated and typed. Absent optional fields are `null`. */
export interface MeterRecord {
  /** `meter_id`: required, unique, at most 256 bytes. */
  meterId: string;
  /** `type`: a plugin's meter type, e.g. `electricity.register`; "" when not given. */
  type: string;
  /** `unit`: e.g. `kWh`; "" when not given. */
  unit: string;
  /** `scaling_factor`: default 1. */
  scalingFactor: number;
  /** `reset_value`: register value at which it wraps to 0. */
  resetValue: number | null;
  /** `digits`: dial count, 1 to 22. */
  digits: number | null;
  /** `rollover_mode`: default `documented`. */
  rolloverMode: RolloverModeName;
  /** `parent_id`: the higher-level meter. */
  parentId: string | null;
  unitPrice: number | null;
  basicFeePerDay: number | null;
  costCenter: string | null;
  glAccount: string | null;
  /** `last_reading` + `last_end`: a baseline carried over from a previous system. */
  lastReading: number | null;
  /** Day number (days since 1970-01-01) of `last_end`. */
  lastEnd: number | null;
}
