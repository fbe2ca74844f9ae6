// The pulse interval kernel's columns: names, element types and layout inside one region.
// Meaning, units and the fault rules: assembly/pulses.ts (header) and ./reference.ts.
import type { ColumnSpec } from "../wasm/column-batch.js";

/**
 * Inputs measured per meter and interval; NaN = not measured (never raises a fault).
 * `debouncedIn` is the debounced count where one is known (NaN: the kernel bills `count`).
 */
export const INPUT_COLUMNS = [
  "count", "debouncedIn", "minOnMs", "minGapMs", "maxClosedMs", "loopMinMa", "loopMaxMa", "tamperOpen",
  "tamperEvents", "reverseCount", "pulseFreeMaxMin", "spanMin", "idleDays",
] as const;

/** Per-row thresholds of the meter type; NaN = the rule using it is off. */
export const THRESHOLD_COLUMNS = [
  "weight", "debounceMs", "specMinOnMs", "specMinGapMs", "shortClosedMs", "namurLowMa",
  "namurHighMa", "maxPulses", "leakSlotMin", "noPulseDays",
] as const;

export type InputColumn = (typeof INPUT_COLUMNS)[number];
export type ThresholdColumn = (typeof THRESHOLD_COLUMNS)[number];
export type PulseColumnName = InputColumn | ThresholdColumn | "debounced" | "consumption" | "faults";

/** Every column of a pulse batch, one element per meter interval. */
export type PulseColumns = { readonly [K in InputColumn | ThresholdColumn | "debounced" | "consumption"]: Float64Array } & {
  /** Output: fault bits (engine/flags: open_circuit ... backflow). */
  readonly faults: Uint32Array;
};

/** Column order and element type; the order is the layout order inside a batch's region. */
export const PULSE_COLUMNS: ColumnSpec<PulseColumnName> = [
  ...INPUT_COLUMNS.map((n) => [n, Float64Array] as const),
  ...THRESHOLD_COLUMNS.map((n) => [n, Float64Array] as const),
  ["debounced", Float64Array],
  ["consumption", Float64Array],
  ["faults", Uint32Array],
];
