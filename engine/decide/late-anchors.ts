// The late path's view of a meter's billing chain (late.ts, late-pulses.ts): where the chain
// starts, the registry baseline or the reading its first entry was billed against, for a register
// meter (anchorOf) and a pulse meter (pulseAnchorOf); and a chain entry's reading as it arrived
// (chainValue). Pure lookups over the meter's history entries.
import { FLAG } from "../flags/flags.js";
import { NO_DAY } from "../ingest/batch.js";
import type { HistoryEntry } from "../store/history.js";
import { inChain } from "./chain.js";

/** The registry baseline as a chain entry (it has no history entry of its own), or another reading known by day and value. */
export interface Anchor {
  end: number;
  value: number;
}

/** A chain entry's reading as it arrived: a pulse meter's history keeps cumulative pulses. */
export function chainValue(e: HistoryEntry, pulse: boolean): number {
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
export function anchorOf(entries: readonly HistoryEntry[], from: number, baseEnd: number, baseValue: number): Anchor | undefined {
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
export function pulseAnchorOf(entries: readonly HistoryEntry[], from: number, baseEnd: number, baseValue: number): Anchor | undefined {
  if (baseEnd === NO_DAY || baseEnd <= from) return undefined;
  const first = entries.find((e) => inChain(e) && e.end > from);
  return first !== undefined && (first.flags & FLAG.initial) !== 0 ? undefined : { end: baseEnd, value: baseValue };
}
