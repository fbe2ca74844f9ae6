// A meter of the registry (DESIGN.md "Meter registry"), as the engine holds it.

import type { PulseInputName } from "../pulses/profiles.js";

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
  /**
   * Pulse meters (DESIGN.md "Pulse meters"): `pulse_weight`, units per pulse. A meter with a
   * weight is a pulse meter: its readings carry pulse counts, not register values.
   */
  pulseWeight: number | null;
  /** `pulse_input`: `s0a` (default) | `s0b` | `namur` | `reed`; null for register meters. */
  pulseInput: PulseInputName | null;
  /** `pulse_width_ms`: nominal pulse width. */
  pulseWidthMs: number | null;
  /** `qmax`: maximum flow in units per hour. */
  qmax: number | null;
  /** `no_pulse_days`: days without a pulse that raise no_consumption. */
  noPulseDays: number | null;
  /** `debounce_ms`: replaces the input type's debounce time. */
  debounceMs: number | null;
}
