// The late path for pulse meters (late.ts dispatches to it). A count dated before every reading
// of its meter, with no registry baseline before it, becomes the meter's baseline
// (pulseBaseline), and the old first reading owes its count as a correction; any other
// back-dated count is held `back_dated_pulses` (late.ts) until an operator releases it into the
// chain (releasePulse), billed its own count: the reading after it keeps what it billed, unless
// it was a baseline that billed nothing. The writes go through the LateLedger (late-ledger.ts).
import { FLAG, PULSE_FAULTS } from "../flags/flags.js";
import { NO_DAY } from "../ingest/batch.js";
import type { HistoryEntry } from "../store/history.js";
import type { MeterState } from "../store/state.js";
import { computeOne, isTrusted, oneRow } from "./chain.js";
import type { Computed } from "./chain.js";
import { judge } from "./judge.js";
import { chainValue } from "./late-anchors.js";
import type { Anchor } from "./late-anchors.js";
import type { LateLedger, LateRow } from "./late-ledger.js";
import { withTypeHold } from "./meter-types.js";
import { liftsHolds, releasedReasons } from "./rejudge.js";
import { applyPulseOutcome, debouncedCount, pulseOfCount, pulseOne } from "./pulses.js";

/**
 * A released pulse count put into the chain. Its interval starts at the meter's reading before
 * it, trusted or held (a held reading still ended an interval: the module counted from it), or
 * at the registry baseline: billed its debounced count x pulse_weight over that interval, as
 * the run computed it. Its count is its own, so the reading after it (`next`) keeps what it
 * billed: a pulse reading's consumption does not depend on its predecessor's (but a baseline's,
 * which billed nothing: placePulse). A reading with none of these before it is its meter's
 * baseline (pulseBaseline, decided before this).
 */
export function releasePulse(ledger: LateLedger, row: LateRow, before: HistoryEntry | undefined, next: HistoryEntry | undefined, anchor: Anchor | undefined, entries: HistoryEntry[]): void {
  let start: Anchor | undefined = before ?? (anchor !== undefined && anchor.end < row.end ? anchor : undefined);
  // A registry baseline given as a day alone counts from 0.
  if (start !== undefined && start.value !== start.value) start = { end: start.end, value: 0 };
  // The latest held reading before it ends its interval when it is later than the chain's.
  const heldEnd = ledger.heldBefore(row.meter, row.end);
  if (heldEnd !== NO_DAY && (start === undefined || heldEnd > start.end)) {
    start = { end: heldEnd, value: start?.value ?? 0 };
  }
  placePulse(ledger, row, start!, next, entries);
}

/**
 * A pulse count dated before every reading of its meter, held or trusted, with no registry
 * baseline before it: its count has no start, so it is the meter's baseline (`initial`, billing
 * nothing), late in a run as on release (DESIGN.md: a reading before the earliest reading of a
 * meter without a registry baseline becomes its baseline). The chain's old first reading, when
 * it was a baseline (billed nothing), now has an interval and owes its own count: billed as a
 * correction (baselineOwes). Judged like any late reading: held for its own reasons (the old
 * baseline billed its count all the same when the rules bill it: oweFromHeld), or in a run for
 * what the rules would hold that correction for (a release lifts them), the chain unchanged;
 * held `back_dated_pulses` when the old first reading's count was not kept (written by a
 * meterflow older than this).
 */
export function pulseBaseline(ledger: LateLedger, row: LateRow, next: HistoryEntry | undefined, entries: HistoryEntry[]): void {
  const { meters, state } = ledger.ctx;
  const lifts = liftsHolds(row.batch, row.row);
  const { days } = computeOne(ledger.ctx, row.meter, Number.NaN, 0, row.value, row.end, row.override);
  // Its faults as the pulse stage finds a first reading's: those its columns show (its own day).
  const pulse = pulseOne(row.batch, row.row, row.meter, meters, true, days, row.end, row.end - 1, 1);
  const c = oneRow();
  applyPulseOutcome(c, 0, pulse.faults, pulse.consumption);
  const inserted: Computed = { prev: Number.NaN, consumption: c.consumption[0], flags: c.flags[0], start: c.start[0], days, daily: c.daily[0] };
  const judged = ledger.judge(row, inserted, true, !lifts);
  const reasons = withTypeHold(ledger.ctx.pluginFacts?.meterTypes, meters, row.meter, releasedReasons(row.batch, row.row, judged, inserted.flags, inserted.consumption));
  if (!isTrusted(reasons)) {
    ledger.hold(row, reasons, inserted);
    // Held, it is no base, but the module counted from it: the old first reading's count is owed
    // now, as when this reading had come first (a reading after a held one bills its own count).
    if (next !== undefined && (next.flags & FLAG.initial) !== 0) oweFromHeld(ledger, next, row.end, entries);
    return;
  }
  const count = debouncedCount(row.batch, row.row);
  if (next === undefined || (next.flags & FLAG.initial) === 0) {
    // No baseline after it: the chain's first reading (if any) billed its count already, its interval starting at a held reading.
    ledger.insert(row, inserted, reasons, Number.NaN, entries, row.value, count);
    if (next === undefined) {
      state.lastEnd[row.meter] = row.end;
      state.lastValue[row.meter] = row.value;
    }
    return;
  }
  const owed = baselineOwes(ledger, next, row.end);
  if (owed === undefined) {
    ledger.hold(row, "back_dated_pulses", inserted);
    return;
  }
  const nextReasons = lifts ? "" : judgeOwed(ledger, next, owed);
  if (nextReasons !== "") {
    ledger.hold(row, nextReasons, inserted);
    return;
  }
  ledger.insert(row, inserted, reasons, Number.NaN, entries, row.value, count);
  ledger.correct(next, owed.computed, owed.computed.prev, entries);
}

/**
 * The old baseline `first` after a reading held before it (ending `after`): billed its count as
 * a correction when the rules would bill it (judged on its new interval, as baselineOwes gives
 * it); else it stays the baseline, billing nothing, its count owed until that reading's release
 * (the chain unchanged, as when the correction holds a trusted reading before it); so while its
 * meter's type is one no loaded plugin defines (meter-types.ts). The held reading stays out of
 * the chain: the old baseline's register stays its count.
 */
function oweFromHeld(ledger: LateLedger, first: HistoryEntry, after: number, entries: HistoryEntry[]): void {
  const { ctx } = ledger;
  if (withTypeHold(ctx.pluginFacts?.meterTypes, ctx.meters, first.meter, "") !== "") return;
  const owed = baselineOwes(ledger, first, after);
  if (owed === undefined || judgeOwed(ledger, first, owed) !== "") return;
  ledger.correct(first, owed.computed, owed.computed.prev, entries);
}

/**
 * The rules' holds on an old baseline's correction (baselineOwes), in a run or a release that
 * lifts nothing: judged on what its interval shows, not again on the faults it arrived with
 * (judged then, by the rules or an operator's release).
 */
function judgeOwed(ledger: LateLedger, first: HistoryEntry, owed: { computed: Computed; judged: number }): string {
  ledger.ctx.pluginFacts?.clear(ledger.ctx.facts as Record<string, unknown>);
  const c = owed.computed;
  return judge(ledger.ctx, ledger.out, first.meter, first.end, first.value, first.override, 0, 0, 0, c.consumption, c.prev, c.days, c.daily, owed.judged);
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
function baselineOwes(ledger: LateLedger, first: HistoryEntry, after: number): { computed: Computed; judged: number } | undefined {
  const kept = first.debounced;
  if (kept !== kept) return undefined;
  const { meters } = ledger.ctx;
  const since = Math.max(after, ledger.heldBefore(first.meter, first.end));
  const count = chainValue(first, true);
  const { days } = computeOne(ledger.ctx, first.meter, 0, since, count, first.end, first.override);
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
function placePulse(ledger: LateLedger, row: LateRow, before: Anchor, next: HistoryEntry | undefined, entries: HistoryEntry[]): void {
  const { meters, state } = ledger.ctx;
  const cur = before.value + row.value;
  const { days } = computeOne(ledger.ctx, row.meter, before.value, before.end, cur, row.end, row.override);
  const pulse = pulseOne(row.batch, row.row, row.meter, meters, false, days, row.end, before.end, row.end - idleSince(state, entries, row, before));
  // The pulse outcome on computeOne's row, as the pulse stage gives a batch's rows theirs.
  const c = oneRow();
  applyPulseOutcome(c, 0, pulse.faults, pulse.consumption);
  const inserted: Computed = { prev: before.value, consumption: c.consumption[0], flags: c.flags[0], start: c.start[0], days, daily: c.daily[0] };
  const lifts = liftsHolds(row.batch, row.row);
  const judged = ledger.judge(row, inserted, true, !lifts);
  const reasons = withTypeHold(ledger.ctx.pluginFacts?.meterTypes, meters, row.meter, releasedReasons(row.batch, row.row, judged, inserted.flags, inserted.consumption));
  if (!isTrusted(reasons)) {
    ledger.hold(row, reasons, inserted, before.value);
    return;
  }
  // Before the chain's baseline (its interval starting at a held reading): that baseline now
  // owes its count (baselineOwes), the operator's release lifting what the rules would hold it for
  // (a release that lifts nothing is held for it, the chain unchanged). Its count not kept (an
  // older meterflow's entry): it stays the baseline, billed nothing.
  const owed = next !== undefined && (next.flags & FLAG.initial) !== 0 ? baselineOwes(ledger, next, row.end) : undefined;
  const nextReasons = owed === undefined || lifts ? "" : judgeOwed(ledger, next!, owed);
  if (nextReasons !== "") {
    ledger.hold(row, nextReasons, inserted, before.value);
    return;
  }
  ledger.insert(row, inserted, reasons, before.value, entries, cur);
  if (owed !== undefined) ledger.correct(next!, owed.computed, owed.computed.prev, entries);
  if (next === undefined) {
    state.lastEnd[row.meter] = row.end;
    state.lastValue[row.meter] = cur;
  }
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
