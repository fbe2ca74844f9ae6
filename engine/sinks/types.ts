// Rows a run outputs: billing and held rows, rejected records.

/** A billing or held row (DESIGN.md "meterflow run" outputs). Days are day numbers. */
export interface OutputRow {
  readingId: string;
  meterId: string;
  /** Day number of the period start; NaN when there is no period (initial, unknown meter). */
  start: number;
  end: number;
  days: number;
  /** NaN when there is no previous reading. */
  previous: number;
  current: number;
  consumption: number;
  daily: number;
  /** Flag bits (engine/flags). */
  flags: number;
}

/** A rejected input record. */
export interface RejectedRow {
  sourceLine: number;
  meterId: string;
  reason: string;
  raw: string;
  /** The input file as given to the run (absent in rows committed before files were recorded). */
  file?: string;
}
