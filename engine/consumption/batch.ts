// A batch of consumption rows (engine/wasm/column-batch.ts), cleared to "nothing configured".
import { ColumnBatch, layoutColumns } from "../wasm/column-batch.js";
import type { BatchMemory } from "../wasm/column-batch.js";
import { COLUMNS } from "./columns.js";
import type { ColumnName, ConsumptionColumns } from "./columns.js";

export type { BatchMemory } from "../wasm/column-batch.js";

/** Rows of the consumption kernel, laid out column by column. */
export class ConsumptionBatch extends ColumnBatch<ColumnName, ConsumptionColumns> {
  constructor(memory: BatchMemory, base: number, capacity: number) {
    super(COLUMNS, memory, base, capacity);
    this.clear(0, capacity);
  }

  /** Bytes a batch of `capacity` rows occupies. */
  static bytes(capacity: number): number {
    return layoutColumns(COLUMNS, capacity).bytes;
  }

  /**
   * Resets the inputs of rows [from, to) to "nothing configured": no previous reading,
   * scaling factor 1, no reset value, inferred digits, documented mode, no override.
   */
  clear(from = 0, to = this.capacity): void {
    const c = this.columns;
    c.prev.fill(Number.NaN, from, to);
    c.cur.fill(0, from, to);
    c.scale.fill(1, from, to);
    c.reset.fill(Number.NaN, from, to);
    c.digits.fill(0, from, to);
    c.mode.fill(0, from, to);
    c.override.fill(Number.NaN, from, to);
    c.prevEnd.fill(0, from, to);
    c.end.fill(0, from, to);
  }
}
