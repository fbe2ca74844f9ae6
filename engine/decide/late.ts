// The late path: readings at or before a meter's latest trusted reading (DESIGN.md "Decisions",
// the billing chain). Each is an exact re-send (of a chain or a held reading: a duplicate,
// changes nothing), a conflict (same day as a chain reading, another value: held), or a
// back-dated reading, judged like any other against its neighbours in the chain with its own
// facts: held (chain unchanged) when it, or its successor computed against it, would be held;
// else inserted, and its successor corrected by the difference to what it billed. Rare in a
// nightly run, so it is scalar; history comes from the cache (history-cache.ts).
import { FLAG, PULSE_FAULTS } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { NO_DAY } from "../ingest/batch.js";
import { readingId } from "../sinks/format.js";
import type { OutputRow } from "../sinks/types.js";
import { entryAt, pushEntry } from "../store/history.js";
import type { HistoryEntry } from "../store/history.js";
import type { MeterState } from "../store/state.js";
import { computeOne, inChain, isReleased, isTrusted, oneRow, recordRelease, sameOverride } from "./chain.js";
import type { Computed } from "./chain.js";
import { judge } from "./judge.js";
import { withTypeHold } from "./meter-types.js";
import { liftsHolds, releasedReasons } from "./rejudge.js";
import { arrivedOf, holdRow } from "./output.js";
import { applyPulseOutcome, debouncedCount, isPulseMeter, pulseOfCount, pulseOne } from "./pulses.js";
import type { BatchOutput, DecideContext } from "./output.js";

interface LateRow {
  batch: ReadingBatch;
  row: number;
  meter: number;
  end: number;
  value: number;
  override: number;
  /** Another value for a new day of this batch (`repeat`): judged against the chain this batch made. */
  repeat?: true;
}

/** The registry baseline as a chain entry (it has no history entry of its own), or another reading known by day and value. */
export interface Anchor {
  end: number;
  value: number;
}

export class LatePath {
  readonly #ctx: DecideContext;
  readonly #out: BatchOutput;
  readonly #rows = new Map<number, LateRow[]>();
  /** Meters with repeats and, for each, its latest trusted reading before this batch (see `repeat`). */
  readonly #before = new Map<number, Anchor | undefined>();
  /**
   * Meters with back-dated rows. Those rows come before every new day of the batch in end order
   * and are resolved first (`flushBackDated`): they see the temp_bad flag the batch found (and what
   * the back-dated rows before them set), never one the rules set on a new day.
   */
  readonly #backDated = new Set<number>();

  constructor(ctx: DecideContext, out: BatchOutput) {
    this.#ctx = ctx;
    this.#out = out;
  }

  /** Whether rows are queued (flush reads history from the store). */
  get pending(): boolean {
    return this.#rows.size > 0;
  }

  /** The meters with queued rows. */
  get meters(): Iterable<number> {
    return this.#rows.keys();
  }

  /** Queues a row at or before the meter's latest trusted reading. */
  add(batch: ReadingBatch, row: number, meter: number): void {
    this.#backDated.add(meter);
    this.#queue({ batch, row, meter, end: batch.end[row], value: batch.value[row], override: batch.override[row] });
  }

  #queue(late: LateRow): void {
    let list = this.#rows.get(late.meter);
    if (list === undefined) this.#rows.set(late.meter, (list = []));
    list.push(late);
  }

  /** Holds a reading that contradicts an earlier row of this batch for the same meter and new day. */
  conflict(batch: ReadingBatch, row: number, meter: number): void {
    this.#hold({ batch, row, meter, end: batch.end[row], value: batch.value[row], override: batch.override[row] }, "conflict");
  }

  /**
   * Queues another value for a day after the meter's latest trusted reading that an earlier row
   * of this batch already gave. Which it is waits for that row's decision: against a trusted one
   * a conflict; against a held one (not in the chain) a reading of its own, judged between the
   * chain's neighbours as this batch leaves them (a typo held `implausible_rollover` and the
   * right value after it in one file: the right value is billed, as in any other batching).
   * `before` is the meter's latest trusted reading before this batch (undefined: none); the
   * meter's later rows of the batch come here after it (given once, with its first row).
   */
  repeat(batch: ReadingBatch, row: number, meter: number, before: Anchor | undefined): void {
    this.#queue({ batch, row, meter, end: batch.end[row], value: batch.value[row], override: batch.override[row], repeat: true });
    if (!this.#before.has(meter)) this.#before.set(meter, before);
  }

  /**
   * Resolves the back-dated rows before the batch's new days are computed: in end order they come
   * first, so what they change (the meter's billed readings and average, a flag the rules set) is
   * what its new days are judged with, as when they came in a batch of their own before (a spike
   * after a late reading was billed: the late reading did not count among the readings before it;
   * cluster audit). A meter's repeats stay queued for `flush`: they are new days, after its
   * back-dated rows, and need the kernel's decision of the day they repeat.
   */
  flushBackDated(): void {
    for (const [meter, rows] of this.#rows) {
      if (!this.#backDated.has(meter)) continue;
      const entries = this.#ctx.history.meter(meter);
      const repeats: LateRow[] = [];
      for (const row of rows) {
        if (row.repeat === true) repeats.push(row);
        else this.#resolve(row, entries);
      }
      if (repeats.length === 0) this.#rows.delete(meter);
      else this.#rows.set(meter, repeats);
    }
  }

  /** Resolves the repeats (all flushBackDated leaves) against their meter's chain as this batch made it, in end order. */
  flush(): void {
    if (this.#rows.size === 0) return;
    const made = this.#chainsMade();
    for (const [meter, rows] of this.#rows) {
      // A meter with back-dated rows has its history read, with what they placed in it; repeats
      // alone need none: their chain is the reading before this batch and the batch's own.
      const late = this.#backDated.has(meter);
      const entries = late ? this.#ctx.history.meter(meter) : [];
      const before = this.#before.get(meter);
      if (!late && before !== undefined) entries.push(anchorEntry(meter, before));
      for (const e of made.get(meter) ?? []) place(entries, e);
      for (const row of rows) this.#resolve(row, entries);
    }
  }

  /** The ledger entries this batch made so far for the meters with repeats, by meter, in day order. */
  #chainsMade(): Map<number, HistoryEntry[]> {
    const h = this.#out.history;
    const made = new Map<number, HistoryEntry[]>();
    for (let i = 0; i < h.length; i++) {
      if (!this.#before.has(h.meter[i])) continue;
      let list = made.get(h.meter[i]);
      if (list === undefined) made.set(h.meter[i], (list = []));
      list.push(entryAt(h, i));
    }
    return made;
  }

  #resolve(row: LateRow, entries: HistoryEntry[]): void {
    const { meters, heldIndex } = this.#ctx;
    const released = isReleased(row.batch, row.row);
    if (heldIndex.has(row.meter, row.end, row.value, row.override) && !released) {
      this.#out.counts.duplicates++;
      return;
    }
    // A meter moved between a register and a pulse type started a new chain after `from`: a
    // reading up to that day lies before it, and the entries up to it are another kind's values.
    const from = this.#ctx.state.chainFrom[row.meter];
    if (row.end <= from) {
      this.#hold(row, "before_baseline");
      return;
    }
    // The chain: trusted entries (billable, or a baseline), the registry baseline before them.
    // Its first entry at or after this day, and the last one before it (one pass, no copy).
    let found: HistoryEntry | undefined;
    let before: HistoryEntry | undefined;
    for (const e of entries) {
      if (!inChain(e) || e.end <= from) continue;
      if (e.end >= row.end) {
        found = e;
        break;
      }
      before = e;
    }
    const pulse = isPulseMeter(meters, row.meter);
    const anchor = pulse
      ? pulseAnchorOf(entries, from, meters.baseEnd[row.meter], meters.baseValue[row.meter])
      : anchorOf(entries, from, meters.baseEnd[row.meter], meters.baseValue[row.meter]);
    if ((found !== undefined && found.end === row.end) || (anchor !== undefined && anchor.end === row.end)) {
      const day = found !== undefined && found.end === row.end ? found : undefined;
      const value = day !== undefined ? chainValue(day, pulse) : anchor!.value;
      // An exact re-send: the same value and the same override (another override is another reading).
      if (value === row.value && sameOverride(day?.override ?? Number.NaN, row.override)) this.#out.counts.duplicates++;
      else this.#hold(row, "conflict");
      return;
    }
    if (pulse) {
      // Before every reading of its meter, with no registry baseline before it: its baseline
      // (#pulseBaseline). Else a count for an interval before a reading of its meter: held for
      // an operator; a release places it in the chain (#releasePulse), judged on its faults when
      // it lifts nothing (rejudge.ts).
      if (before === undefined && anchor === undefined && this.#heldBefore(row.meter, row.end) === NO_DAY) this.#pulseBaseline(row, found, entries);
      else if (!released) this.#hold(row, "back_dated_pulses");
      else if (anchor !== undefined && row.end < anchor.end) this.#hold(row, "before_baseline");
      else this.#releasePulse(row, before, found, anchor, entries);
      return;
    }
    if (anchor !== undefined && row.end < anchor.end) {
      this.#hold(row, "before_baseline");
      return;
    }
    const prev: Anchor | undefined = before ?? anchor;
    const inserted = computeOne(this.#ctx, row.meter, prev?.value ?? Number.NaN, prev?.end ?? 0, row.value, row.end, row.override);
    // A released reading's own holds are lifted (unless its release lifts nothing: rejudge.ts);
    // what inserting it does to its successor is not, nor a meter type no plugin defines (meter-types.ts).
    const lifts = liftsHolds(row.batch, row.row);
    const judged = this.#judge(row, inserted, true, !lifts);
    const reasons = withTypeHold(this.#ctx.pluginFacts?.meterTypes, meters, row.meter, releasedReasons(row.batch, row.row, judged, inserted.flags, inserted.consumption));
    if (!isTrusted(reasons)) {
      this.#hold(row, reasons, inserted, prev?.value ?? Number.NaN);
      return;
    }
    if (found === undefined) {
      // After every chain entry (a state that predates the chain rule): an ordinary next reading.
      this.#insert(row, inserted, reasons, prev?.value ?? Number.NaN, entries);
      const { state } = this.#ctx;
      state.lastEnd[row.meter] = row.end;
      state.lastValue[row.meter] = row.value;
      return;
    }
    // The successor computed against this reading must be trusted too, or the chain stays as it is.
    const next = found;
    // An override is the successor's consumption whatever its predecessor (history keeps it as such).
    const override = next.override;
    const corrected = computeOne(this.#ctx, next.meter, row.value, row.end, next.value, next.end, override);
    this.#ctx.pluginFacts?.clear(this.#ctx.facts as Record<string, unknown>);
    // A release asks only that the successor stays a reading the chain can hold (the operator lifts
    // the rules' holds, the meter's temp_bad flag and a spike its shorter period makes among them);
    // a late reading in a run (or a release that lifts nothing) is held for whatever the rules
    // would hold its successor for.
    const nextReasons = lifts ? implausible(corrected) : judge(this.#ctx, this.#out, next.meter, next.end, next.value, override, 0, 0, 0,
      corrected.consumption, row.value, corrected.days, corrected.daily, corrected.flags);
    if (nextReasons !== "") {
      // Held for what inserting it would do to the reading after it (e.g. a value above it).
      this.#hold(row, nextReasons, inserted, prev?.value ?? Number.NaN);
      return;
    }
    this.#insert(row, inserted, reasons, prev?.value ?? Number.NaN, entries);
    this.#correct(next, corrected, row.value, entries);
  }

  /**
   * A released pulse count put into the chain. Its interval starts at the meter's reading before
   * it, trusted or held (a held reading still ended an interval: the module counted from it), or
   * at the registry baseline: billed its debounced count x pulse_weight over that interval, as
   * the run computed it. Its count is its own, so the reading after it (`next`) keeps what it
   * billed: a pulse reading's consumption does not depend on its predecessor's (but a baseline's,
   * which billed nothing: #placePulse). A reading with none of these before it is its meter's
   * baseline (#pulseBaseline, decided before this).
   */
  #releasePulse(row: LateRow, before: HistoryEntry | undefined, next: HistoryEntry | undefined, anchor: Anchor | undefined, entries: HistoryEntry[]): void {
    let start: Anchor | undefined = before ?? (anchor !== undefined && anchor.end < row.end ? anchor : undefined);
    // A registry baseline given as a day alone counts from 0.
    if (start !== undefined && start.value !== start.value) start = { end: start.end, value: 0 };
    // The latest held reading before it ends its interval when it is later than the chain's.
    const heldEnd = this.#heldBefore(row.meter, row.end);
    if (heldEnd !== NO_DAY && (start === undefined || heldEnd > start.end)) {
      start = { end: heldEnd, value: start?.value ?? 0 };
    }
    this.#placePulse(row, start!, next, entries);
  }

  /** The end of the meter's latest held reading before `end` (of its current chain), NO_DAY when none. */
  #heldBefore(meter: number, end: number): number {
    const from = this.#ctx.state.chainFrom[meter];
    let latest = NO_DAY;
    for (const [day] of this.#ctx.heldIndex.entries(meter)) if (day < end && day > from && day > latest) latest = day;
    return latest;
  }

  /**
   * A pulse count dated before every reading of its meter, held or trusted, with no registry
   * baseline before it: its count has no start, so it is the meter's baseline (`initial`, billing
   * nothing), late in a run as on release (DESIGN.md: a reading before the earliest reading of a
   * meter without a registry baseline becomes its baseline). The chain's old first reading, when
   * it was a baseline (billed nothing), now has an interval and owes its own count: billed as a
   * correction (#owed). Judged like any late reading: held for its own reasons, or in a run for
   * what the rules would hold that correction for (a release lifts them), the chain unchanged;
   * held `back_dated_pulses` when the old first reading's count was not kept (written by a
   * meterflow older than this).
   */
  #pulseBaseline(row: LateRow, next: HistoryEntry | undefined, entries: HistoryEntry[]): void {
    const { meters, state } = this.#ctx;
    const lifts = liftsHolds(row.batch, row.row);
    const { days } = computeOne(this.#ctx, row.meter, Number.NaN, 0, row.value, row.end, row.override);
    // Its faults as the pulse stage finds a first reading's: those its columns show (its own day).
    const pulse = pulseOne(row.batch, row.row, row.meter, meters, true, days, row.end, row.end - 1, 1);
    const c = oneRow();
    applyPulseOutcome(c, 0, pulse.faults, pulse.consumption);
    const inserted: Computed = { prev: Number.NaN, consumption: c.consumption[0], flags: c.flags[0], start: c.start[0], days, daily: c.daily[0] };
    const judged = this.#judge(row, inserted, true, !lifts);
    const reasons = withTypeHold(this.#ctx.pluginFacts?.meterTypes, meters, row.meter, releasedReasons(row.batch, row.row, judged, inserted.flags, inserted.consumption));
    if (!isTrusted(reasons)) {
      this.#hold(row, reasons, inserted);
      return;
    }
    const count = debouncedCount(row.batch, row.row);
    if (next === undefined || (next.flags & FLAG.initial) === 0) {
      // No baseline after it: the chain's first reading (if any) billed its count already, its interval starting at a held reading.
      this.#insert(row, inserted, reasons, Number.NaN, entries, row.value, count);
      if (next === undefined) {
        state.lastEnd[row.meter] = row.end;
        state.lastValue[row.meter] = row.value;
      }
      return;
    }
    const owed = this.#owed(next, row.end);
    if (owed === undefined) {
      this.#hold(row, "back_dated_pulses", inserted);
      return;
    }
    const nextReasons = lifts ? "" : this.#judgeOwed(next, owed);
    if (nextReasons !== "") {
      this.#hold(row, nextReasons, inserted);
      return;
    }
    this.#insert(row, inserted, reasons, Number.NaN, entries, row.value, count);
    this.#correct(next, owed.computed, owed.computed.prev, entries);
  }

  /**
   * The rules' holds on an old baseline's correction (#owed), in a run or a release that lifts
   * nothing: judged on what its interval shows, not again on the faults it arrived with (judged
   * then, by the rules or an operator's release).
   */
  #judgeOwed(first: HistoryEntry, owed: { computed: Computed; judged: number }): string {
    this.#ctx.pluginFacts?.clear(this.#ctx.facts as Record<string, unknown>);
    const c = owed.computed;
    return judge(this.#ctx, this.#out, first.meter, first.end, first.value, first.override, 0, 0, 0, c.consumption, c.prev, c.days, c.daily, owed.judged);
  }

  /**
   * What a pulse meter's old baseline `first` (its first reading, billed nothing) owes once a
   * reading before it enters the chain: its own debounced count (kept with its entry) x
   * pulse_weight, or its override, over the interval since the reading before it (`after`, or a
   * held reading between). Its `previous` is 0 (its register of cumulative pulses counts from
   * its interval's start: its `current` stays its count); its flags keep the faults it arrived
   * with, and add what the count alone shows over the interval (more pulses than qmax allows,
   * no pulses for no_pulse_days: `judged`, with its other flags, is what the rules judge).
   * Undefined when its count was not kept.
   */
  #owed(first: HistoryEntry, after: number): { computed: Computed; judged: number } | undefined {
    const kept = first.debounced;
    if (kept !== kept) return undefined;
    const { meters } = this.#ctx;
    const since = Math.max(after, this.#heldBefore(first.meter, first.end));
    const count = chainValue(first, true);
    const { days } = computeOne(this.#ctx, first.meter, 0, since, count, first.end, first.override);
    // Days without pulses: at least its interval when it counted none (the stretch before is not known here).
    const pulse = pulseOfCount(count, kept, first.meter, meters, days, first.end, since, first.end - since);
    const c = oneRow();
    applyPulseOutcome(c, 0, pulse.faults, pulse.consumption);
    const judged = c.flags[0];
    const computed: Computed = { prev: 0, consumption: c.consumption[0], flags: judged | (first.flags & PULSE_FAULTS), start: c.start[0], days, daily: c.daily[0] };
    return { computed, judged };
  }

  /**
   * A released pulse count placed in the chain after `before` (a chain reading, the registry
   * baseline, or a held reading's day with the cumulative count before it): billed its debounced
   * count x pulse_weight over (before, its end].
   */
  #placePulse(row: LateRow, before: Anchor, next: HistoryEntry | undefined, entries: HistoryEntry[]): void {
    const { meters, state } = this.#ctx;
    const cur = before.value + row.value;
    const { days } = computeOne(this.#ctx, row.meter, before.value, before.end, cur, row.end, row.override);
    const pulse = pulseOne(row.batch, row.row, row.meter, meters, false, days, row.end, before.end, row.end - idleSince(state, entries, row, before));
    // The pulse outcome on computeOne's row, as the pulse stage gives a batch's rows theirs.
    const c = oneRow();
    applyPulseOutcome(c, 0, pulse.faults, pulse.consumption);
    const inserted: Computed = { prev: before.value, consumption: c.consumption[0], flags: c.flags[0], start: c.start[0], days, daily: c.daily[0] };
    const lifts = liftsHolds(row.batch, row.row);
    const judged = this.#judge(row, inserted, true, !lifts);
    const reasons = withTypeHold(this.#ctx.pluginFacts?.meterTypes, meters, row.meter, releasedReasons(row.batch, row.row, judged, inserted.flags, inserted.consumption));
    if (!isTrusted(reasons)) {
      this.#hold(row, reasons, inserted, before.value);
      return;
    }
    // Before the chain's baseline (its interval starting at a held reading): that baseline now
    // owes its count (#owed), the operator's release lifting what the rules would hold it for
    // (a release that lifts nothing is held for it, the chain unchanged). Its count not kept (an
    // older meterflow's entry): it stays the baseline, billed nothing.
    const owed = next !== undefined && (next.flags & FLAG.initial) !== 0 ? this.#owed(next, row.end) : undefined;
    const nextReasons = owed === undefined || lifts ? "" : this.#judgeOwed(next!, owed);
    if (nextReasons !== "") {
      this.#hold(row, nextReasons, inserted, before.value);
      return;
    }
    this.#insert(row, inserted, reasons, before.value, entries, cur);
    if (owed !== undefined) this.#correct(next!, owed.computed, owed.computed.prev, entries);
    if (next === undefined) {
      state.lastEnd[row.meter] = row.end;
      state.lastValue[row.meter] = cur;
    }
  }

  /** Judges a late reading with its own facts (source, verification, channels). */
  #judge(row: LateRow, c: Computed, own: boolean, mayFlag = true): string {
    const { batch } = row;
    const pluginFacts = this.#ctx.pluginFacts;
    if (pluginFacts !== undefined) {
      if (own) {
        pluginFacts.build(batch, Int32Array.of(row.row), oneRow(), 1);
        pluginFacts.assign(this.#ctx.facts as Record<string, unknown>, 0);
      } else pluginFacts.clear(this.#ctx.facts as Record<string, unknown>);
    }
    return judge(this.#ctx, this.#out, row.meter, row.end, row.value, row.override, batch.source[row.row], batch.verification[row.row],
      batch.photo?.[row.row] ?? 0, c.consumption, c.prev, c.days, c.daily, c.flags, mayFlag);
  }

  /**
   * Puts a trusted late reading into the chain: billed what it consumed against its predecessor
   * (`value`: a pulse meter's cumulative count; `debounced`: a pulse meter's baseline's count).
   */
  #insert(row: LateRow, c: Computed, reasons: string, prev: number, entries: HistoryEntry[], value = row.value, debounced = 0): void {
    const { state } = this.#ctx;
    const hold = reasons === "" ? 0 : 1;
    const billed = hold === 0 ? c.consumption : 0;
    const entry: HistoryEntry = {
      meter: row.meter, end: row.end, value, prev, start: c.start, consumption: c.consumption, billed, flags: c.flags, held: hold,
      override: row.override, debounced,
    };
    pushEntry(this.#out.history, entry);
    place(entries, entry);
    if (isReleased(row.batch, row.row)) recordRelease(this.#ctx, this.#out, row.batch, row.row, row.meter);
    if (hold === 0) {
      this.#out.counts.billable++;
      state.readings[row.meter]++;
      state.sumConsumption[row.meter] += c.consumption;
      state.sumDays[row.meter] += c.days;
    } else {
      // A new baseline (before a meter's first reading): held `initial`, in the chain; its
      // held.csv row comes from its ledger entry (emit.ts).
      this.#out.counts.held++;
    }
  }

  /** The successor's new version: billed the difference to what it billed so far. */
  #correct(next: HistoryEntry, c: Computed, prev: number, entries: HistoryEntry[]): void {
    const { state } = this.#ctx;
    const wasBilled = next.held === 0 ? next.consumption : 0;
    const entry: HistoryEntry = {
      meter: next.meter, end: next.end, value: next.value, prev, start: c.start, consumption: c.consumption,
      billed: c.consumption - wasBilled, flags: c.flags | FLAG.correction, held: 0, override: next.override, debounced: 0,
    };
    pushEntry(this.#out.history, entry);
    place(entries, entry);
    if (next.held === 0) {
      state.readings[next.meter]--;
      state.sumConsumption[next.meter] -= next.consumption;
      state.sumDays[next.meter] -= next.end - next.start + 1;
    }
    state.readings[next.meter]++;
    state.sumConsumption[next.meter] += c.consumption;
    state.sumDays[next.meter] += c.days;
    this.#out.counts.corrections++;
  }

  #hold(row: LateRow, reasons: string, c?: Computed, prev = Number.NaN): void {
    const meterId = this.#ctx.meters.ids.get(row.meter);
    const out = c === undefined
      ? { readingId: readingId(meterId, row.end), meterId, start: Number.NaN, end: row.end, days: 0, previous: Number.NaN, current: row.value, consumption: 0, daily: 0, flags: 0 }
      : outputRow(meterId, row.end, c, prev, row.value, (c.flags & FLAG.initial) !== 0);
    const { batch } = row;
    holdRow(this.#out, out, reasons, arrivedOf(batch, row.row));
    this.#ctx.heldIndex.add(row.meter, row.end, row.value, row.override);
  }
}

function outputRow(meterId: string, end: number, c: Computed, prev: number, value: number, initial: boolean): OutputRow {
  return {
    readingId: readingId(meterId, end), meterId, start: initial ? Number.NaN : c.start, end, days: c.days,
    previous: prev, current: value, consumption: c.consumption, daily: c.daily, flags: c.flags,
  };
}

/**
 * Where a released pulse reading's idle stretch began (`no_consumption` counts the days since), as
 * the pulse stage had it when the reading was held: the meter's stretch (MeterState.idleSince)
 * when it began before this reading, else the end of the latest reading before it that counted
 * pulses (a later one has ended the stretch since), else the reading before it. It was the reading
 * before it: released, a third day without pulses lost its `no_consumption` (pulse audit).
 */
function idleSince(state: MeterState, entries: readonly HistoryEntry[], row: LateRow, before: Anchor): number {
  const since = state.idleSince[row.meter];
  if (since !== NO_DAY && since < row.end) return since;
  let last = NO_DAY;
  for (const e of entries) if (e.end < row.end && e.end > last && chainValue(e, true) > 0) last = e.end;
  return last === NO_DAY ? before.end : last;
}

/** A chain entry's reading as it arrived: a pulse meter's history keeps cumulative pulses. */
function chainValue(e: HistoryEntry, pulse: boolean): number {
  return pulse ? (e.prev === e.prev ? e.value - e.prev : e.value) : e.value;
}

/**
 * The baseline a meter's chain starts from: the one its first chain entry was billed against (its
 * day before `start`, its `prev`), none when that entry is a baseline itself (`initial`); the
 * registry's only while the meter has no chain (README: "a baseline is used only while the meter
 * has no state of its own": one imported or changed later does not move a chain that started).
 * `entries` may begin later than the chain (history read from the entry before a late reading
 * on): then its first entry's predecessor is a chain reading all the same. Entries up to `from`
 * (MeterState.chainFrom) are of a chain before a change of the meter's kind.
 */
function anchorOf(entries: readonly HistoryEntry[], from: number, baseEnd: number, baseValue: number): Anchor | undefined {
  const first = entries.find((e) => inChain(e) && e.end > from);
  if (first === undefined) return baseEnd === NO_DAY ? undefined : { end: baseEnd, value: baseValue };
  return first.prev === first.prev && (first.flags & FLAG.initial) === 0 ? { end: first.start - 1, value: first.prev } : undefined;
}

/**
 * A pulse meter's baseline: the registry's, unless its chain started with a baseline of its own
 * (its first entry `initial`). Not anchorOf's day before the first entry's period: a pulse
 * reading's period starts after the reading before it, which may be a held one (no baseline,
 * and its day no chain day).
 */
function pulseAnchorOf(entries: readonly HistoryEntry[], from: number, baseEnd: number, baseValue: number): Anchor | undefined {
  if (baseEnd === NO_DAY || baseEnd <= from) return undefined;
  const first = entries.find((e) => inChain(e) && e.end > from);
  return first !== undefined && (first.flags & FLAG.initial) !== 0 ? undefined : { end: baseEnd, value: baseValue };
}

/** What keeps a recomputed successor out of the chain whatever the rules say: an implausible wrap, or a negative consumption. */
function implausible(c: Computed): string {
  if ((c.flags & FLAG.implausible_rollover) !== 0) return "implausible_rollover";
  return c.consumption < 0 ? "negative_consumption" : "";
}

/** A trusted reading known by its day and value alone, as a chain entry (nothing is billed for it here). */
function anchorEntry(meter: number, a: Anchor): HistoryEntry {
  return { meter, end: a.end, value: a.value, prev: Number.NaN, start: Number.NaN, consumption: 0, billed: 0, flags: 0, held: 0, override: Number.NaN, debounced: 0 };
}

/** Puts an entry in its day's place in a meter's live list: replaces that day's version, or inserts. */
function place(list: HistoryEntry[], e: HistoryEntry): void {
  const at = list.findIndex((x) => x.end >= e.end);
  if (at < 0) list.push(e);
  else if (list[at].end === e.end) list[at] = e;
  else list.splice(at, 0, e);
}
