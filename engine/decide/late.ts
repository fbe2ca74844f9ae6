// The late path: readings at or before a meter's latest trusted reading (DESIGN.md "Decisions",
// the billing chain). Each is an exact re-send (of a chain or a held reading: a duplicate,
// changes nothing), a conflict (same day as a chain reading, another value: held), or a
// back-dated reading, judged like any other against its neighbours in the chain with its own
// facts: held (chain unchanged) when it, or its successor computed against it, would be held;
// else inserted, and its successor corrected by the difference to what it billed. Rare in a
// nightly run, so it is scalar; history comes from the cache (history-cache.ts).
//
// This file holds LatePath: the queue (back-dated rows, repeats), each row's dispatch (#resolve)
// and the register meters' path. The pulse meters' path is in late-pulses.ts, the chain's
// anchors in late-anchors.ts, and the held rows, ledger entries and corrections both paths
// write in late-ledger.ts.
import { FLAG } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { NO_DAY } from "../ingest/batch.js";
import { entryAt } from "../store/history.js";
import type { HistoryEntry } from "../store/history.js";
import { computeOne, inChain, isReleased, isTrusted, sameOverride } from "./chain.js";
import type { Computed } from "./chain.js";
import { judge } from "./judge.js";
import { anchorOf, chainValue, pulseAnchorOf } from "./late-anchors.js";
import type { Anchor } from "./late-anchors.js";
import { LateLedger, place } from "./late-ledger.js";
import type { LateRow } from "./late-ledger.js";
import { pulseBaseline, releasePulse } from "./late-pulses.js";
import { withTypeHold } from "./meter-types.js";
import { liftsHolds, releasedReasons } from "./rejudge.js";
import { isPulseMeter } from "./pulses.js";
import type { BatchOutput, DecideContext } from "./output.js";

export class LatePath {
  readonly #ctx: DecideContext;
  readonly #out: BatchOutput;
  /** What this path writes: held rows, ledger entries, corrections (late-ledger.ts). */
  readonly #ledger: LateLedger;
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
    this.#ledger = new LateLedger(ctx, out);
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
    this.#ledger.hold({ batch, row, meter, end: batch.end[row], value: batch.value[row], override: batch.override[row] }, "conflict");
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
      this.#ledger.hold(row, "before_baseline");
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
      else this.#ledger.hold(row, "conflict");
      return;
    }
    if (pulse) {
      // Before every reading of its meter, with no registry baseline before it: its baseline
      // (pulseBaseline, late-pulses.ts). Before the registry baseline its chain starts from:
      // `before_baseline`, as a register meter's. Else a count for an interval before a reading
      // of its meter: held for an operator; a release places it in the chain (releasePulse),
      // judged on its faults when it lifts nothing (rejudge.ts).
      if (before === undefined && anchor === undefined && this.#ledger.heldBefore(row.meter, row.end) === NO_DAY) pulseBaseline(this.#ledger, row, found, entries);
      else if (anchor !== undefined && row.end < anchor.end) this.#ledger.hold(row, "before_baseline");
      else if (!released) this.#ledger.hold(row, "back_dated_pulses");
      else releasePulse(this.#ledger, row, before, found, anchor, entries);
      return;
    }
    if (anchor !== undefined && row.end < anchor.end) {
      this.#ledger.hold(row, "before_baseline");
      return;
    }
    const prev: Anchor | undefined = before ?? anchor;
    const inserted = computeOne(this.#ctx, row.meter, prev?.value ?? Number.NaN, prev?.end ?? 0, row.value, row.end, row.override);
    // A released reading's own holds are lifted (unless its release lifts nothing: rejudge.ts);
    // what inserting it does to its successor is not, nor a meter type no plugin defines (meter-types.ts).
    const lifts = liftsHolds(row.batch, row.row);
    const judged = this.#ledger.judge(row, inserted, true, !lifts);
    const reasons = withTypeHold(this.#ctx.pluginFacts?.meterTypes, meters, row.meter, releasedReasons(row.batch, row.row, judged, inserted.flags, inserted.consumption));
    if (!isTrusted(reasons)) {
      this.#ledger.hold(row, reasons, inserted, prev?.value ?? Number.NaN);
      return;
    }
    if (found === undefined) {
      // After every chain entry (a state that predates the chain rule): an ordinary next reading.
      this.#ledger.insert(row, inserted, reasons, prev?.value ?? Number.NaN, entries);
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
      this.#ledger.hold(row, nextReasons, inserted, prev?.value ?? Number.NaN);
      return;
    }
    this.#ledger.insert(row, inserted, reasons, prev?.value ?? Number.NaN, entries);
    this.#ledger.correct(next, corrected, row.value, entries);
  }
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
