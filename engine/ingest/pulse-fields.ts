// Pulse interval summaries in the readings input (DESIGN.md "Readings": "plus the channels that
// plugins define (... pulse data)"). A pulse meter's reading carries its pulse count in `value`
// and, optionally, what the radio module measured over the interval in these columns. Each is a
// non-negative number; empty or absent means "not measured" (NaN: never raises a fault).
import { numberOfValue } from "./numbers.js";

/** Readings column -> pulse interval kernel input (engine/pulses/columns.ts). */
export const PULSE_FIELDS = Object.freeze({
  /** Debounced count, when the module debounces itself (else the count in `value` is used). */
  pulse_debounced: "debouncedIn",
  /** Shortest pulse on-time, ms. */
  pulse_min_on_ms: "minOnMs",
  /** Shortest time from one leading edge to the next (one on + one off), ms. */
  pulse_min_gap_ms: "minGapMs",
  /** Longest time the contact was closed, ms. */
  pulse_max_closed_ms: "maxClosedMs",
  /** Lowest and highest loop current (NAMUR, S0), mA. */
  loop_min_ma: "loopMinMa",
  loop_max_ma: "loopMaxMa",
  /** 1: the tamper (sabotage) loop was open at the end of the interval (0/1, true/false). */
  tamper_open: "tamperOpen",
  /** Magnetic events the module confirmed (tamper-loop edge held, or magnetic sensor over limit). */
  tamper_events: "tamperEvents",
  /** Pulses counted with the direction input reversed. */
  reverse_count: "reverseCount",
  /** Longest pulse-free slot in the interval, minutes. */
  pulse_free_max_min: "pulseFreeMaxMin",
} as const);

/** A readings column with pulse data. */
export type PulseField = keyof typeof PULSE_FIELDS;
/** The kernel input a pulse column fills. */
export type PulseInput = (typeof PULSE_FIELDS)[PulseField];

/**
 * Pulse columns a batch carries that no readings file gives: set where the batch is made (an
 * events day reading, runtime/pulse-events.ts), kept with a held reading under these names.
 */
export const PULSE_DERIVED = Object.freeze({
  /**
   * The minutes the count covers when they are not its interval since the previous reading: an
   * events day reading's count is its day's (1440, 1380 or 1500 minutes in the store's zone),
   * whatever the gap before it, so qmax is judged over them (decide/pulses.ts). NaN: the interval.
   */
  day_min: "dayMin",
} as const);

/** A derived pulse column's name in a held reading's pulse text. */
export type PulseDerivedField = keyof typeof PULSE_DERIVED;
/** A derived pulse column. */
export type PulseDerivedInput = (typeof PULSE_DERIVED)[PulseDerivedField];

/** The pulse columns of a batch, one value per row, NaN where the row does not give it. */
export type PulseReadingColumns = { readonly [K in PulseInput | PulseDerivedInput]: Float64Array };

/** Readings column names with pulse data, in documentation order. */
export const PULSE_FIELD_NAMES = Object.keys(PULSE_FIELDS) as PulseField[];

/** Kernel input names in the same order as PULSE_FIELD_NAMES. */
export const PULSE_INPUTS = PULSE_FIELD_NAMES.map((name) => PULSE_FIELDS[name]);

/** Every pulse column's name in a held reading's pulse text: the readings columns, then the derived ones. */
export const PULSE_ROW_NAMES: ReadonlyArray<PulseField | PulseDerivedField> = [...PULSE_FIELD_NAMES, ...(Object.keys(PULSE_DERIVED) as PulseDerivedField[])];

/**
 * Every pulse column of a batch, in the order of PULSE_ROW_NAMES: what goes with a row wherever
 * it goes (dealt to a thread, sent over NATS, kept with a held reading).
 */
export const PULSE_ROW_COLUMNS: ReadonlyArray<PulseInput | PulseDerivedInput> = [...PULSE_INPUTS, ...Object.values(PULSE_DERIVED)];

/** The column of a name in a held reading's pulse text; undefined for any other name. */
export function pulseColumnOf(name: string): PulseInput | PulseDerivedInput | undefined {
  if (Object.hasOwn(PULSE_FIELDS, name)) return PULSE_FIELDS[name as PulseField];
  if (Object.hasOwn(PULSE_DERIVED, name)) return PULSE_DERIVED[name as PulseDerivedField];
  return undefined;
}

/** New pulse columns of `capacity` rows, every value NaN. */
export function createPulseColumns(capacity: number): PulseReadingColumns {
  const columns = {} as Record<PulseInput | PulseDerivedInput, Float64Array>;
  for (const input of PULSE_ROW_COLUMNS) columns[input] = new Float64Array(capacity).fill(Number.NaN);
  return columns;
}

/** Views of rows [0, n) of each column. */
export function slicePulseColumns(columns: PulseReadingColumns, n: number): PulseReadingColumns {
  const out = {} as Record<PulseInput | PulseDerivedInput, Float64Array>;
  for (const input of PULSE_ROW_COLUMNS) out[input] = columns[input].subarray(0, n);
  return out;
}

/**
 * A pulse field's value from a decoded value (number, numeric string, boolean or "true"/"false" for 1/0): NaN
 * when absent, -1 when present but not a finite number >= 0 (the row is `bad_pulse_field`).
 */
export function pulseValueOf(value: unknown): number {
  if (value === undefined || value === null || value === "") return Number.NaN;
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value === "string") {
    // As CSV reads them (tamper_open): "true"/"false" in any case are 1/0 in NDJSON and msgpack too.
    const word = value.trim().toLowerCase();
    if (word === "true") return 1;
    if (word === "false") return 0;
  }
  const n = numberOfValue(value);
  return Number.isFinite(n) && n >= 0 ? n : -1;
}
