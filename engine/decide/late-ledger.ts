// What the late path writes, for the register meters (late.ts) and the pulse meters
// (late-pulses.ts) alike: a late reading's held row, its ledger entry, its successor's
// correction, each keeping the meter's state and the batch's counts in step; and what both ask
// while deciding: the verdict on a late reading with its own facts, and the meter's latest held
// reading before a day.
import { FLAG } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { NO_DAY } from "../ingest/batch.js";
import { readingId } from "../sinks/format.js";
import type { OutputRow } from "../sinks/types.js";
import { pushEntry } from "../store/history.js";
import type { HistoryEntry } from "../store/history.js";
import { isReleased, oneRow, recordRelease } from "./chain.js";
import type { Computed } from "./chain.js";
import { judge } from "./judge.js";
import { arrivedOf, holdRow } from "./output.js";
import type { BatchOutput, DecideContext } from "./output.js";

/** A reading queued on the late path. */
export interface LateRow {
  batch: ReadingBatch;
  row: number;
  meter: number;
  end: number;
  value: number;
  override: number;
  /** Another value for a new day of this batch (`repeat`): judged against the chain this batch made. */
  repeat?: true;
}

/** Writes a batch's late readings into its output (`out`) and the decide context (`ctx`: the meters' state, the held index). */
export class LateLedger {
  readonly ctx: DecideContext;
  readonly out: BatchOutput;

  constructor(ctx: DecideContext, out: BatchOutput) {
    this.ctx = ctx;
    this.out = out;
  }

  /** The end of the meter's latest held reading before `end` (of its current chain), NO_DAY when none. */
  heldBefore(meter: number, end: number): number {
    const from = this.ctx.state.chainFrom[meter];
    let latest = NO_DAY;
    for (const [day] of this.ctx.heldIndex.entries(meter)) if (day < end && day > from && day > latest) latest = day;
    return latest;
  }

  /** Judges a late reading with its own facts (source, verification, channels). */
  judge(row: LateRow, c: Computed, own: boolean, mayFlag = true): string {
    const { batch } = row;
    const pluginFacts = this.ctx.pluginFacts;
    if (pluginFacts !== undefined) {
      if (own) {
        pluginFacts.build(batch, Int32Array.of(row.row), oneRow(), 1);
        pluginFacts.assign(this.ctx.facts as Record<string, unknown>, 0);
      } else pluginFacts.clear(this.ctx.facts as Record<string, unknown>);
    }
    return judge(this.ctx, this.out, row.meter, row.end, row.value, row.override, batch.source[row.row], batch.verification[row.row],
      batch.photo?.[row.row] ?? 0, c.consumption, c.prev, c.days, c.daily, c.flags, mayFlag);
  }

  /**
   * Puts a trusted late reading into the chain: billed what it consumed against its predecessor
   * (`value`: a pulse meter's cumulative count; `debounced`: a pulse meter's baseline's count).
   */
  insert(row: LateRow, c: Computed, reasons: string, prev: number, entries: HistoryEntry[], value = row.value, debounced = 0): void {
    const { state } = this.ctx;
    const hold = reasons === "" ? 0 : 1;
    const billed = hold === 0 ? c.consumption : 0;
    const entry: HistoryEntry = {
      meter: row.meter, end: row.end, value, prev, start: c.start, consumption: c.consumption, billed, flags: c.flags, held: hold,
      override: row.override, debounced,
    };
    pushEntry(this.out.history, entry);
    place(entries, entry);
    if (isReleased(row.batch, row.row)) recordRelease(this.ctx, this.out, row.batch, row.row, row.meter);
    if (hold === 0) {
      this.out.counts.billable++;
      state.readings[row.meter]++;
      state.sumConsumption[row.meter] += c.consumption;
      state.sumDays[row.meter] += c.days;
    } else {
      // A new baseline (before a meter's first reading): held `initial`, in the chain; its
      // held.csv row comes from its ledger entry (emit.ts).
      this.out.counts.held++;
    }
  }

  /** The successor's new version: billed the difference to what it billed so far. */
  correct(next: HistoryEntry, c: Computed, prev: number, entries: HistoryEntry[]): void {
    const { state } = this.ctx;
    const wasBilled = next.held === 0 ? next.consumption : 0;
    const entry: HistoryEntry = {
      meter: next.meter, end: next.end, value: next.value, prev, start: c.start, consumption: c.consumption,
      billed: c.consumption - wasBilled, flags: c.flags | FLAG.correction, held: 0, override: next.override, debounced: 0,
    };
    pushEntry(this.out.history, entry);
    place(entries, entry);
    if (next.held === 0) {
      state.readings[next.meter]--;
      state.sumConsumption[next.meter] -= next.consumption;
      state.sumDays[next.meter] -= next.end - next.start + 1;
    }
    state.readings[next.meter]++;
    state.sumConsumption[next.meter] += c.consumption;
    state.sumDays[next.meter] += c.days;
    this.out.counts.corrections++;
  }

  hold(row: LateRow, reasons: string, c?: Computed, prev = Number.NaN): void {
    const meterId = this.ctx.meters.ids.get(row.meter);
    const out = c === undefined
      ? { readingId: readingId(meterId, row.end), meterId, start: Number.NaN, end: row.end, days: 0, previous: Number.NaN, current: row.value, consumption: 0, daily: 0, flags: 0 }
      : outputRow(meterId, row.end, c, prev, row.value, (c.flags & FLAG.initial) !== 0);
    const { batch } = row;
    holdRow(this.out, out, reasons, arrivedOf(batch, row.row));
    this.ctx.heldIndex.add(row.meter, row.end, row.value, row.override);
  }
}

function outputRow(meterId: string, end: number, c: Computed, prev: number, value: number, initial: boolean): OutputRow {
  return {
    readingId: readingId(meterId, end), meterId, start: initial ? Number.NaN : c.start, end, days: c.days,
    previous: prev, current: value, consumption: c.consumption, daily: c.daily, flags: c.flags,
  };
}

/** Puts an entry in its day's place in a meter's live list: replaces that day's version, or inserts. */
export function place(list: HistoryEntry[], e: HistoryEntry): void {
  const at = list.findIndex((x) => x.end >= e.end);
  if (at < 0) list.push(e);
  else if (list[at].end === e.end) list[at] = e;
  else list.splice(at, 0, e);
}
