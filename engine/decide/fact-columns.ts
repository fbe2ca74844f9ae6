// A batch's facts as columns for the columnar rules (engine/rules/columnar.ts): the same values
// judge.ts puts in the facts object row by row, for every computed reading of the batch at once.
// Valid for a meter's first reading in the batch, whose state the batch has not changed yet.
import type { ConsumptionColumns } from "../consumption/index.js";
import { FLAG } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { BooleanColumn, FactColumn, NumberColumn } from "../rules/columnar.js";
import { FLAG_FACTS, SPIKE_FACTORS } from "../rules/facts.js";
import type { DecideContext } from "./output.js";


export class FactColumns {
  readonly columns: Record<string, FactColumn> = {};
  private capacity = 0;

  /** Fills the columns the rules use for the kernel's rows [0, m) (`rows[i]` is the batch row of i). */
  build(ctx: DecideContext, batch: ReadingBatch, keys: Int32Array, rows: Int32Array, r: ConsumptionColumns, m: number,
    extra?: Readonly<Record<string, Float64Array>>): void {
    const uses = ctx.rules.uses;
    if (m > this.capacity) {
      this.capacity = m <= 64 ? 64 : Math.max(m, 65536);
      for (const name of Object.keys(this.columns)) delete this.columns[name];
    }
    const { meters, state } = ctx;
    // One plain loop per column (no callback per value): this runs for every reading.
    const num = (name: string): NumberColumn | undefined => uses.has(name)
      ? ((this.columns[name] ??= { kind: "number", values: new Float64Array(this.capacity), isNull: new Uint8Array(this.capacity) }) as NumberColumn)
      : undefined;
    const bool = (name: string): BooleanColumn | undefined => uses.has(name)
      ? ((this.columns[name] ??= { kind: "boolean", values: new Uint8Array(this.capacity) }) as BooleanColumn)
      : undefined;
    const copy = (col: NumberColumn | undefined, from: Float64Array, nullable: boolean) => {
      if (col === undefined) return;
      col.values.set(from.subarray(0, m));
      if (!nullable) col.isNull.fill(0, 0, m);
      else for (let i = 0; i < m; i++) col.isNull[i] = from[i] !== from[i] ? 1 : 0;
    };
    copy(num("value"), r.cur, false);
    copy(num("override"), r.override, true);
    copy(num("consumption"), r.consumption, false);
    copy(num("previous"), r.prev, true);
    copy(num("daily"), r.daily, false);
    const days = num("days");
    if (days !== undefined) for (let i = 0; i < m; i++) { days.values[i] = r.days[i]; days.isNull[i] = 0; }
    const scale = num("scaling_factor");
    if (scale !== undefined) for (let i = 0; i < m; i++) { scale.values[i] = meters.scale[keys[rows[i]]]; scale.isNull[i] = 0; }
    const digits = num("digits");
    if (digits !== undefined) for (let i = 0; i < m; i++) { const d = meters.digits[keys[rows[i]]]; digits.values[i] = d; digits.isNull[i] = d === 0 ? 1 : 0; }
    const readings = num("history_readings");
    if (readings !== undefined) for (let i = 0; i < m; i++) { readings.values[i] = state.readings[keys[rows[i]]]; readings.isNull[i] = 0; }
    const avg = num("average_daily");
    const high = num("average_daily_high");
    const low = num("average_daily_low");
    if (avg !== undefined || high !== undefined || low !== undefined) {
      for (let i = 0; i < m; i++) {
        const k = keys[rows[i]];
        const none = !(state.sumDays[k] > 0);
        const a = none ? 0 : state.sumConsumption[k] / state.sumDays[k];
        const isNull = none ? 1 : 0;
        if (avg !== undefined) { avg.values[i] = a; avg.isNull[i] = isNull; }
        if (high !== undefined) { high.values[i] = a * SPIKE_FACTORS.high; high.isNull[i] = isNull; }
        if (low !== undefined) { low.values[i] = a * SPIKE_FACTORS.low; low.isNull[i] = isNull; }
      }
    }
    // verification codes: 0 absent (null), 1 false, 2 true; boolean columns: 0 false, 1 true, 2 null.
    const verification = bool("verification");
    if (verification !== undefined) for (let i = 0; i < m; i++) { const v = batch.verification[rows[i]]; verification.values[i] = v === 2 ? 1 : v === 1 ? 0 : 2; }
    const photo = bool("has_photo");
    if (photo !== undefined) for (let i = 0; i < m; i++) photo.values[i] = batch.photo?.[rows[i]] === 1 ? 1 : 0;
    const flagged = bool("meter_temp_bad");
    if (flagged !== undefined) for (let i = 0; i < m; i++) flagged.values[i] = state.tempBad[keys[rows[i]]] !== 0 ? 1 : 0;
    // Plugin facts (channels, derived facts): NaN is null.
    if (extra !== undefined) {
      for (const name of uses) {
        const from = extra[name];
        if (from === undefined || FLAG_FACTS.includes(name)) continue;
        copy(num(name), from, true);
      }
    }
    for (const name of FLAG_FACTS) {
      const col = bool(name);
      if (col === undefined) continue;
      const bit = FLAG[name as keyof typeof FLAG];
      for (let i = 0; i < m; i++) col.values[i] = (r.flags[i] & bit) !== 0 ? 1 : 0;
    }
  }
}
