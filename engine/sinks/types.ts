// What the pipeline hands to its outputs: billing and held rows, rejected records, the summary.
import type { LineBuffer } from "./line-buffer.js";

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
   * Encodes a billing row into `lines`, field by field so the hot path builds no object or
   * string per reading. The reading id is derived from meter and end; `meterKey` is the meter's
   * dense registry key, under which an encoder may cache the id's bytes.
   */
  encodeBilling(lines: LineBuffer, meterKey: number, meterId: string, start: number, end: number, days: number, previous: number,
    current: number, consumption: number, daily: number, flags: number): void;
  /** Appends billing lines encoded by `encodeBilling`. */
  appendBilling(lines: Uint8Array): void;
  billing(row: OutputRow): void;
  held(row: OutputRow, reasons: string): void;
  rejected(row: RejectedRow): void;
  /** Waits until no more than `limit` bytes per output are still being written (backpressure). */
  drain(limit: number): Promise<void>;
  /** Flushes and publishes every output with the summary. */
  close(summary: object): Promise<void>;
  /** Drops partial outputs of a run that failed. */
  abort(): void;
}
