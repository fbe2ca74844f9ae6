// The late path: readings at or before a meter's latest accepted reading. Each is an exact
// duplicate (same day, same value: counted, changes nothing), a conflict (same day, another
// value: held), or a back-dated reading (DESIGN rule 7): it takes its place in history and the
// reading after it is recomputed, the difference to what was billed going out as a correction.
// Rare in a nightly run, so it is scalar; history comes from the cache (history-cache.ts).
import { computeConsumptionReference, createConsumptionKernel } from "../consumption/index.js";
import type { ConsumptionBatch } from "../consumption/index.js";
import { FLAG } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { readingId } from "../sinks/format.js";
import type { OutputRow } from "../sinks/types.js";
import { pushEntry } from "../store/history.js";
import type { HistoryEntry } from "../store/history.js";
import { judge } from "./judge.js";
import { isBilled } from "./emit.js";
import { holdRow } from "./output.js";
import { isPulseMeter } from "./pulses.js";
import type { BatchOutput, ProcessorContext } from "./output.js";

interface LateRow {
  meter: number;
  end: number;
  value: number;
  override: number;
}

let scratch: ConsumptionBatch | undefined;

export class LatePath {
  readonly #ctx: ProcessorContext;
  readonly #out: BatchOutput;
  readonly #rows = new Map<number, LateRow[]>();

  constructor(ctx: ProcessorContext, out: BatchOutput) {
    this.#ctx = ctx;
    this.#out = out;
  }

  /** Whether rows are queued (flush reads history from the store). */
  get pending(): boolean {
    return this.#rows.size > 0;
  }

  /** Queues a row older than or as old as the meter's latest accepted reading. */
  add(batch: ReadingBatch, row: number, meter: number): void {
    let list = this.#rows.get(meter);
    if (list === undefined) this.#rows.set(meter, (list = []));
    list.push({ meter, end: batch.end[row], value: batch.value[row], override: batch.override[row] });
  }

  /** Holds a reading that contradicts another one for the same meter and day. */
  conflict(batch: ReadingBatch, row: number, meter: number): void {
    this.#hold({ meter, end: batch.end[row], value: batch.value[row], override: batch.override[row] }, "conflict");
  }

  /** Whether every queued row's history is in memory (else the store is read: it must be current). */
  get cached(): boolean {
    for (const meter of this.#rows.keys()) if (!this.#ctx.history.has(meter)) return false;
    return true;
  }

  /** Resolves every queued row against its meter's history. */
  flush(): void {
    for (const [meter, rows] of this.#rows) {
      const entries = this.#ctx.history.meter(meter);
      for (const row of rows) this.#resolve(row, entries);
    }
  }

  #resolve(row: LateRow, entries: HistoryEntry[]): void {
    const at = entries.findIndex((e) => e.end >= row.end);
    const found = at >= 0 ? entries[at] : undefined;
    if (isPulseMeter(this.#ctx.meters, row.meter)) {
      this.#resolvePulses(row, found);
      return;
    }
    if (found !== undefined && found.end === row.end) {
      if (found.value === row.value) this.#out.counts.duplicates++;
      else this.#hold(row, "conflict");
      return;
    }
    if (found === undefined) {
      // Nothing in history at or after this day: the meter's baseline came from the registry.
      const { lastEnd, lastValue } = this.#ctx.state;
      if (row.end === lastEnd[row.meter] && row.value === lastValue[row.meter]) this.#out.counts.duplicates++;
      else this.#hold(row, row.end === lastEnd[row.meter] ? "conflict" : "before_baseline");
      return;
    }
    const before = at > 0 ? entries[at - 1] : undefined;
    const inserted = this.#record(row.meter, before?.value ?? Number.NaN, before?.end ?? 0, row.value, row.end, row.override, undefined);
    const next = found;
    const updated = this.#record(next.meter, row.value, row.end, next.value, next.end, Number.NaN, next);
    entries.splice(at, 1, inserted, updated);
  }

  /**
   * A pulse meter's late reading. History keeps its cumulative pulses, so the reading of the same
   * day is a duplicate when its count is that entry's increase; any other count conflicts. A
   * count for an interval before an accepted reading cannot be placed (the later reading's count
   * already covers that time): it is held as `back_dated_pulses` for an operator.
   */
  #resolvePulses(row: LateRow, found: HistoryEntry | undefined): void {
    if (found !== undefined && found.end === row.end) {
      const counted = found.prev === found.prev ? found.value - found.prev : found.value;
      if (counted === row.value) this.#out.counts.duplicates++;
      else this.#hold(row, "conflict");
      return;
    }
    const { lastEnd } = this.#ctx.state;
    this.#hold(row, found === undefined && row.end === lastEnd[row.meter] ? "conflict" : "back_dated_pulses");
  }

  /**
   * Computes one reading against `prev` and records it. With `replaces`, the reading is a
   * recomputation of an entry already in history: its billing output is the difference.
   */
  #record(meter: number, prev: number, prevEnd: number, cur: number, end: number, override: number, replaces: HistoryEntry | undefined): HistoryEntry {
    const { meters, state } = this.#ctx;
    const out = this.#out;
    const c = compute(meters.scale[meter], meters.reset[meter], meters.digits[meter], meters.mode[meter], prev, prevEnd, cur, end, override, this.#ctx.kernel.maxWrapShare);
    const flags = c.flags | (replaces === undefined ? 0 : FLAG.correction);
    this.#ctx.pluginFacts?.clear(this.#ctx.facts as Record<string, unknown>);
    const reasons = judge(this.#ctx, out, meter, end, cur, override, 0, 0, c.consumption, prev, c.days, c.daily, c.flags);
    const hold = reasons === "" ? 0 : 1;
    const newBilled = hold === 0 ? c.consumption : 0;
    const oldBilled = replaces !== undefined && replaces.held === 0 ? replaces.consumption : 0;
    const entry: HistoryEntry = {
      meter, end, value: cur, prev, start: c.start, consumption: c.consumption,
      billed: newBilled - oldBilled, flags, held: hold,
    };
    pushEntry(out.history, entry);
    const meterId = meters.ids[meter];
    const row: OutputRow = {
      readingId: readingId(meterId, end), meterId, start: (c.flags & FLAG.initial) !== 0 ? Number.NaN : c.start,
      end, days: c.days, previous: prev, current: cur, consumption: c.consumption, daily: c.daily, flags,
    };
    // History statistics cover billable readings: take the replaced version out, the new one in.
    if (replaces !== undefined && replaces.held === 0) {
      state.readings[meter]--;
      state.sumConsumption[meter] -= replaces.consumption;
      state.sumDays[meter] -= replaces.end - replaces.start + 1;
    }
    if (hold === 0) {
      state.readings[meter]++;
      state.sumConsumption[meter] += c.consumption;
      state.sumDays[meter] += c.days;
    }
    // Billing rows come from the history entries (emit.ts); here the counts and held rows.
    if (replaces !== undefined) {
      if (isBilled(flags, hold, entry.billed)) out.counts.corrections++;
      if (hold !== 0) holdRow(out, row, reasons, false);
    } else if (hold === 0) {
      out.counts.billable++;
    } else {
      holdRow(out, row, reasons);
    }
    return entry;
  }

  #hold(row: LateRow, reason: string): void {
    const meterId = this.#ctx.meters.ids[row.meter];
    holdRow(this.#out, {
      readingId: readingId(meterId, row.end), meterId, start: Number.NaN, end: row.end, days: 0,
      previous: Number.NaN, current: row.value, consumption: 0, daily: 0, flags: 0,
    }, reason);
  }
}

/** One reading through the reference implementation (bit-identical to the kernel). */
function compute(
  scale: number, reset: number, digits: number, mode: number, prev: number, prevEnd: number,
  cur: number, end: number, override: number, maxWrapShare: number,
) {
  scratch ??= createConsumptionKernel({ implementation: "reference" }).allocate(1);
  const c = scratch.columns;
  c.scale[0] = scale; c.reset[0] = reset; c.digits[0] = digits; c.mode[0] = mode;
  c.prev[0] = prev; c.prevEnd[0] = prevEnd; c.cur[0] = cur; c.end[0] = end; c.override[0] = override;
  computeConsumptionReference(c, 1, maxWrapShare);
  return { consumption: c.consumption[0], flags: c.flags[0], start: c.start[0], days: c.days[0], daily: c.daily[0] };
}
