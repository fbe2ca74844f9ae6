// A batch of pulse interval rows (engine/wasm/column-batch.ts), cleared to a one-day interval
// with nothing measured and the default thresholds.
import { ColumnBatch, layoutColumns } from "../wasm/column-batch.js";
import type { BatchMemory } from "../wasm/column-batch.js";
import { INPUT_COLUMNS, PULSE_COLUMNS, THRESHOLD_COLUMNS } from "./columns.js";
import type { PulseColumnName, PulseColumns } from "./columns.js";
import { DAY_MINUTES, DEFAULT_PULSE_THRESHOLDS } from "./thresholds.js";

/** Rows of the pulse interval kernel, laid out column by column. */
export class PulseBatch extends ColumnBatch<PulseColumnName, PulseColumns> {
  constructor(memory: BatchMemory, base: number, capacity: number) {
    super(PULSE_COLUMNS, memory, base, capacity);
    this.clear(0, capacity);
  }

  /** Bytes a batch of `capacity` rows occupies. */
  static bytes(capacity: number): number {
    return layoutColumns(PULSE_COLUMNS, capacity).bytes;
  }

  /**
   * Resets rows [from, to): count 0, every other input NaN (not measured; no debounced count
   * given), a one-day interval (spanMin 1440) and the default thresholds.
   */
  clear(from = 0, to = this.capacity): void {
    const c = this.columns;
    for (const name of INPUT_COLUMNS) c[name].fill(Number.NaN, from, to);
    c.count.fill(0, from, to);
    c.spanMin.fill(DAY_MINUTES, from, to);
    for (const name of THRESHOLD_COLUMNS) c[name].fill(DEFAULT_PULSE_THRESHOLDS[name], from, to);
  }
}
