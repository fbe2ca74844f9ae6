// What the pipeline hands to its outputs: billing and held rows, rejected records, the summary.

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
}

/** Where a run's decisions go. Writes are buffered; `close` makes them visible at once. */
export interface Sinks {
  /**
   * Formats a billing or held row as one line without its line break, field by field so the
   * hot path builds no object per reading. The reading id is derived from meter and end.
   */
  formatRow(meterId: string, start: number, end: number, days: number, previous: number, current: number,
    consumption: number, daily: number, flags: number): string;
  /** Appends billing lines formatted by `formatRow`, as UTF-8 bytes, each followed by "\n". */
  appendBilling(lines: Uint8Array): void;
  billing(row: OutputRow): void;
  held(row: OutputRow, reasons: string): void;
  rejected(row: RejectedRow): void;
  /** Flushes and publishes every output with the summary. */
  close(summary: object): void;
  /** Drops partial outputs of a run that failed. */
  abort(): void;
}
