// A batch's facts as columns for the columnar rules (engine/rules/columnar.ts): the same values
// judge.ts puts in the facts object row by row, for many computed readings at once. The decider
// fills them a round at a time (decider.ts): a meter's n-th reading of the batch is in round n,
// filled after round n-1 changed the meter's state, so the state facts (history_readings,
// average_daily, meter_temp_bad) are those its reading sees.
import type { ConsumptionColumns } from "../consumption/index.js";
import { FLAG } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { BooleanColumn, FactColumn, NumberColumn } from "../rules/columnar.js";
import { FLAG_FACTS, SPIKE_FACTORS } from "../rules/facts.js";
import type { DecideContext } from "./output.js";

/** Where the kernel's rows are: `rows[i]` is the batch row of kernel row i, `keys[row]` its meter. */
export interface KernelRows {
  batch: ReadingBatch;
  keys: Int32Array;
  rows: Int32Array;
  r: ConsumptionColumns;
  /** Plugin facts by kernel row (NaN is null). */
  extra?: Readonly<Record<string, Float64Array>>;
}

export class FactColumns {
  readonly columns: Record<string, FactColumn> = {};
  private capacity = 0;
  /**
   * Per filled row j: its batch row and its meter's key, looked up once per fill for all the
   * columns that read them (each column's loop repeated keys[rows[at[j]]], two dependent loads).
   */
  private rowAt = new Int32Array(0);
  private keyAt = new Int32Array(0);

  /** Makes room for `m` rows (columns are created on first use by `fill`). */
  reserve(m: number): void {
    if (m <= this.capacity) return;
    this.capacity = m <= 64 ? 64 : Math.max(m, 65536);
    for (const name of Object.keys(this.columns)) delete this.columns[name];
  }

  /**
   * Fills columns [from, to) with the facts of kernel rows `at[from..to)` as the meters' state is
   * now. `reserve` first.
   */
  fill(ctx: DecideContext, src: KernelRows, at: Int32Array, from: number, to: number): void {
    const uses = ctx.rules.uses;
    const { batch, keys, rows, r, extra } = src;
    const { meters, state } = ctx;
    // One plain loop per column (no callback per value): this runs for every reading. Each loop
    // is a function of its own, out of this one: V8 compiles a hot loop's function on the spot
    // (on-stack replacement), and code after that loop, not run by then, left the compiled code
    // (--trace-deopt, nightly 1M).
    const num = (name: string): NumberColumn | undefined => uses.has(name)
      ? ((this.columns[name] ??= { kind: "number", values: new Float64Array(this.capacity), isNull: new Uint8Array(this.capacity) }) as NumberColumn)
      : undefined;
    const bool = (name: string): BooleanColumn | undefined => uses.has(name)
      ? ((this.columns[name] ??= { kind: "boolean", values: new Uint8Array(this.capacity) }) as BooleanColumn)
      : undefined;
    if (this.rowAt.length < to) {
      this.rowAt = new Int32Array(Math.max(to, this.capacity));
      this.keyAt = new Int32Array(Math.max(to, this.capacity));
    }
    const rowAt = this.rowAt;
    const keyAt = this.keyAt;
    rowsAndKeys(rows, keys, at, from, to, rowAt, keyAt);
    copyAt(num("value"), r.cur, at, from, to, false);
    copyAt(num("override"), r.override, at, from, to, true);
    copyAt(num("consumption"), r.consumption, at, from, to, false);
    copyAt(num("previous"), r.prev, at, from, to, true);
    copyAt(num("daily"), r.daily, at, from, to, false);
    copyInts(num("days"), r.days, at, from, to);
    const scale = num("scaling_factor");
    if (scale !== undefined) byMeter(scale, meters.scale, keyAt, from, to);
    const digits = num("digits");
    if (digits !== undefined) digitsByMeter(digits, meters.digits, keyAt, from, to);
    const readings = num("history_readings");
    if (readings !== undefined) countsByMeter(readings, state.readings, keyAt, from, to);
    const avg = num("average_daily");
    const high = num("average_daily_high");
    const low = num("average_daily_low");
    if (avg !== undefined || high !== undefined || low !== undefined) averages(state, keyAt, from, to, avg, high, low);
    // verification codes: 0 absent (null), 1 false, 2 true; boolean columns: 0 false, 1 true, 2 null.
    const verification = bool("verification");
    if (verification !== undefined) verifications(verification, batch.verification, rowAt, from, to);
    const photo = bool("has_photo");
    if (photo !== undefined) photos(photo, batch.photo, rowAt, from, to);
    const flagged = bool("meter_temp_bad");
    if (flagged !== undefined) tempBads(flagged, state.tempBad, keyAt, from, to);
    // Plugin facts (channels, derived facts): NaN is null.
    if (extra !== undefined) {
      for (const name of uses) {
        const values = extra[name];
        if (values === undefined || FLAG_FACTS.includes(name)) continue;
        copyAt(num(name), values, at, from, to, true);
      }
    }
    // The flag facts the rules use: zeroed at once, then set where a reading has any flag (few do).
    const flagCols: Uint8Array[] = [];
    const bits: number[] = [];
    for (const name of FLAG_FACTS) {
      const col = bool(name);
      if (col === undefined) continue;
      col.values.fill(0, from, to);
      flagCols.push(col.values);
      bits.push(FLAG[name as keyof typeof FLAG]);
    }
    if (flagCols.length > 0) flagFacts(r.flags, at, from, to, flagCols, bits);
  }

  /** The columns' rows [from, to) as columns of their own (views, no copy), for the rules. */
  slice(from: number, to: number): Record<string, FactColumn> {
    if (from === 0) return this.columns;
    const view: Record<string, FactColumn> = {};
    for (const [name, col] of Object.entries(this.columns)) {
      view[name] = col.kind === "number"
        ? { kind: "number", values: col.values.subarray(from, to), isNull: col.isNull.subarray(from, to) }
        : { kind: "boolean", values: col.values.subarray(from, to) };
    }
    return view;
  }
}

// The loops of FactColumns.fill, over rows [from, to) of the columns.

/** Each row's batch row and meter key. */
function rowsAndKeys(rows: Int32Array, keys: Int32Array, at: Int32Array, from: number, to: number, rowAt: Int32Array, keyAt: Int32Array): void {
  for (let j = from; j < to; j++) {
    const row = rows[at[j]];
    rowAt[j] = row;
    keyAt[j] = keys[row];
  }
}

/** A kernel column into a fact column (NaN null where `nullable`). */
function copyAt(col: NumberColumn | undefined, values: Float64Array, at: Int32Array, from: number, to: number, nullable: boolean): void {
  if (col === undefined) return;
  for (let j = from; j < to; j++) {
    const v = values[at[j]];
    col.values[j] = v;
    col.isNull[j] = nullable && v !== v ? 1 : 0;
  }
}

/** An integer kernel column into a fact column (never null). */
function copyInts(col: NumberColumn | undefined, values: Int32Array, at: Int32Array, from: number, to: number): void {
  if (col === undefined) return;
  for (let j = from; j < to; j++) {
    col.values[j] = values[at[j]];
    col.isNull[j] = 0;
  }
}

/** A meter setting (never null). */
function byMeter(col: NumberColumn, values: Float64Array, keyAt: Int32Array, from: number, to: number): void {
  for (let j = from; j < to; j++) {
    col.values[j] = values[keyAt[j]];
    col.isNull[j] = 0;
  }
}

/** The meters' digits (0, not given, is null). */
function digitsByMeter(col: NumberColumn, digits: Uint8Array, keyAt: Int32Array, from: number, to: number): void {
  for (let j = from; j < to; j++) {
    const d = digits[keyAt[j]];
    col.values[j] = d;
    col.isNull[j] = d === 0 ? 1 : 0;
  }
}

/** A meter's count from its state (never null). */
function countsByMeter(col: NumberColumn, counts: Uint32Array, keyAt: Int32Array, from: number, to: number): void {
  for (let j = from; j < to; j++) {
    col.values[j] = counts[keyAt[j]];
    col.isNull[j] = 0;
  }
}

/** average_daily and its spike bounds from the meters' state (null without days). */
function averages(state: DecideContext["state"], keyAt: Int32Array, from: number, to: number,
  avg: NumberColumn | undefined, high: NumberColumn | undefined, low: NumberColumn | undefined): void {
  for (let j = from; j < to; j++) {
    const k = keyAt[j];
    const none = !(state.sumDays[k] > 0);
    const a = none ? 0 : state.sumConsumption[k] / state.sumDays[k];
    const isNull = none ? 1 : 0;
    if (avg !== undefined) { avg.values[j] = a; avg.isNull[j] = isNull; }
    if (high !== undefined) { high.values[j] = a * SPIKE_FACTORS.high; high.isNull[j] = isNull; }
    if (low !== undefined) { low.values[j] = a * SPIKE_FACTORS.low; low.isNull[j] = isNull; }
  }
}

function verifications(col: BooleanColumn, verification: Uint8Array, rowAt: Int32Array, from: number, to: number): void {
  for (let j = from; j < to; j++) {
    const v = verification[rowAt[j]];
    col.values[j] = v === 2 ? 1 : v === 1 ? 0 : 2;
  }
}

function photos(col: BooleanColumn, photo: Uint8Array | undefined, rowAt: Int32Array, from: number, to: number): void {
  for (let j = from; j < to; j++) col.values[j] = photo?.[rowAt[j]] === 1 ? 1 : 0;
}

function tempBads(col: BooleanColumn, tempBad: Uint8Array, keyAt: Int32Array, from: number, to: number): void {
  for (let j = from; j < to; j++) col.values[j] = tempBad[keyAt[j]] !== 0 ? 1 : 0;
}

/** Sets the flag facts of rows with a flag (the columns are zeroed). */
function flagFacts(flags: Int32Array | Uint32Array | Uint16Array | Uint8Array, at: Int32Array, from: number, to: number, cols: Uint8Array[], bits: number[]): void {
  for (let j = from; j < to; j++) {
    const f = flags[at[j]];
    if (f === 0) continue;
    for (let c = 0; c < cols.length; c++) if ((f & bits[c]) !== 0) cols[c][j] = 1;
  }
}
