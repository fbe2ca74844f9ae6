// A batch's facts as columns for the columnar rules (engine/rules/columnar.ts): the same values
// judge.ts puts in the facts object row by row, for every computed reading of the batch at once.
// Valid for a meter's first reading in the batch, whose state the batch has not changed yet.
import type { ConsumptionColumns } from "../consumption/index.js";
import { FLAG } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { BooleanColumn, FactColumn, NumberColumn } from "../rules/columnar.js";
import { SPIKE_FACTORS } from "../rules/facts.js";
import type { ProcessorContext } from "./output.js";

const FLAG_FACTS = [
  "initial", "rollover", "rollover_inferred", "implausible_rollover", "zero", "open_circuit", "short_circuit",
  "magnetic", "bounce", "leak", "no_consumption", "backflow",
] as const;

export class FactColumns {
  readonly columns: Record<string, FactColumn> = {};
  private capacity = 0;

  /** Fills the columns the rules use for the kernel's rows [0, m) (`rows[i]` is the batch row of i). */
  build(ctx: ProcessorContext, batch: ReadingBatch, keys: Int32Array, rows: Int32Array, r: ConsumptionColumns, m: number): void {
    const uses = ctx.rules.uses;
    if (m > this.capacity) {
      this.capacity = Math.max(m, 65536);
      for (const name of Object.keys(this.columns)) delete this.columns[name];
    }
    const { meters, state } = ctx;
    // `nullable`: NaN from `fill` means the fact is null (as judge.ts sets it); otherwise NaN is a number.
    const num = (name: string, fill: (i: number, k: number) => number, nullable = false): void => {
      if (!uses.has(name)) return;
      const col = (this.columns[name] ??= { kind: "number", values: new Float64Array(this.capacity), isNull: new Uint8Array(this.capacity) }) as NumberColumn;
      for (let i = 0; i < m; i++) {
        const v = fill(i, keys[rows[i]]);
        col.isNull[i] = nullable && v !== v ? 1 : 0;
        col.values[i] = v;
      }
    };
    const bool = (name: string, fill: (i: number, k: number) => number): void => {
      if (!uses.has(name)) return;
      const col = (this.columns[name] ??= { kind: "boolean", values: new Uint8Array(this.capacity) }) as BooleanColumn;
      for (let i = 0; i < m; i++) col.values[i] = fill(i, keys[rows[i]]);
    };
    const average = (k: number) => (state.sumDays[k] > 0 ? state.sumConsumption[k] / state.sumDays[k] : Number.NaN);
    num("value", (i) => r.cur[i]);
    num("override", (i) => r.override[i], true);
    num("scaling_factor", (_, k) => meters.scale[k]);
    num("digits", (_, k) => (meters.digits[k] === 0 ? Number.NaN : meters.digits[k]), true);
    num("consumption", (i) => r.consumption[i]);
    num("previous", (i) => r.prev[i], true);
    num("days", (i) => r.days[i]);
    num("daily", (i) => r.daily[i]);
    num("history_readings", (_, k) => state.readings[k]);
    num("average_daily", (_, k) => average(k), true);
    num("average_daily_high", (_, k) => average(k) * SPIKE_FACTORS.high, true);
    num("average_daily_low", (_, k) => average(k) * SPIKE_FACTORS.low, true);
    // verification codes: 0 absent (null), 1 false, 2 true; boolean columns: 0 false, 1 true, 2 null.
    bool("verification", (i) => [2, 0, 1][batch.verification[rows[i]]] ?? 2);
    bool("meter_temp_bad", (_, k) => (state.tempBad[k] !== 0 ? 1 : 0));
    for (const name of FLAG_FACTS) {
      const bit = FLAG[name];
      bool(name, (i) => ((r.flags[i] & bit) !== 0 ? 1 : 0));
    }
  }
}
