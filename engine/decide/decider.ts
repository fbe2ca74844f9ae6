// The decision of one batch (DESIGN.md "Architecture"): given the batch and its slice in
// memory, the chain split, the consumption kernel, the rules and the late path; no I/O. Readings
// later than a meter's latest trusted one (the usual case) are computed in bulk by the kernel and
// decided by columnar rules; older ones (duplicates, conflicts, back-dated readings) take the
// late path (late.ts) against the meter's history.
import type { ConsumptionColumns } from "../consumption/index.js";
import { FLAG } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { NO_DAY } from "../ingest/batch.js";
import { readingId } from "../sinks/format.js";
import { appendEntry } from "../store/history.js";
import { lateUntil } from "../store/state.js";
import type { KernelRows } from "./fact-columns.js";
import { fillFacts, flag, judge, record } from "./judge.js";
import { computeOne, isReleased, isTrusted, recordRelease, sameOverride } from "./chain.js";
import { LatePath } from "./late.js";
import { withTypeHold } from "./meter-types.js";
import { unknownHeldKey } from "./held-index.js";
import { arrivedOf, holdRow } from "./output.js";
import { liftsHolds, recordReheld, releasedReasons } from "./rejudge.js";
import { DecisionScratch } from "./scratch.js";
import { debouncedCount, isPulseMeter, PulseStage } from "./pulses.js";
import { applySensorRules } from "./sensor-rules.js";
import type { BatchOutput, DecideContext } from "./output.js";

/** Rounds of fewer readings are judged reading by reading (measured: a round of columns costs ~15 µs, a reading ~1.5 µs). */
const ROUND_COLUMNS = 16;
/**
 * Kernel rows decided at a time (#compute). Backlog 200,000 x 10 days, 6 alternated pairs: a
 * whole batch at once 2.94-3.11 s, runs of 4,096 rows 2.78-2.93 s (faster in every pair, the
 * same outputs); the nightly shape (one reading a meter) within noise.
 */
const RUN_ROWS = 4096;

/** The reason a reading of a meter missing from the registry is held with. */
export const UNKNOWN_METER = "unknown_meter";

export class Decider {
  readonly #ctx: DecideContext;
  readonly #pulses: PulseStage;
  /** What the decision uses only while it runs: the thread's shared scratch (ctx.scratch) or this decider's own. */
  readonly #s: DecisionScratch;
  readonly #ownScratch: boolean;

  constructor(ctx: DecideContext) {
    this.#ctx = ctx;
    this.#pulses = new PulseStage(ctx.kernel.implementation);
    this.#ownScratch = ctx.scratch === undefined;
    this.#s = ctx.scratch ?? new DecisionScratch(ctx.kernel);
  }

  /** Pulse readings per fault name so far. */
  get pulseFaults(): Map<string, number> {
    return this.#pulses.faults;
  }

  /** Gives the kernels' WebAssembly memory back (a decider dropped after one batch must, or it leaks). */
  release(): void {
    if (this.#ownScratch) this.#s.release();
    this.#pulses.release();
  }

  /**
   * Decides a batch whose slice is in memory (the working set's registry and state of its meters,
   * flags applied; history and held readings of the meters that need them): sensors, unknown
   * meters, the chain split, the kernel and the rules, the late path. No I/O: what it changes is
   * in `out` and in the working set's state.
   */
  decide(batch: ReadingBatch, keys: Int32Array, out: BatchOutput): void {
    this.#ctx.pluginFacts?.begin();
    this.#ctx.sensors?.apply(batch, out);
    applySensorRules(this.#ctx, batch, keys, out);
    this.#unknownMeters(batch, keys, out);
    const late = new LatePath(this.#ctx, out);
    const chain = this.#chain(batch, keys, late, out);
    late.flushBackDated();
    this.#compute(batch, keys, chain, out);
    late.flush();
    recordReheld(this.#ctx, out, batch, keys);
  }

  /** Readings of meters missing from the registry are held, never dropped. */
  #unknownMeters(batch: ReadingBatch, keys: Int32Array, out: BatchOutput): void {
    const sensorRow = batch.sensorRow;
    for (let row = 0; row < batch.length; row++) {
      if (keys[row] !== -1 || batch.reject[row] !== 0 || (sensorRow !== undefined && sensorRow[row] === 1)) continue;
      const meterId = batch.meters.idOf(batch.meter[row]);
      // An exact re-send of an unknown meter's held reading is a duplicate, not held again.
      const unknown = this.#ctx.unknownHeld;
      // A release of one is judged again (and held again while its meter is still unknown).
      if (unknown !== undefined && !isReleased(batch, row)) {
        const key = unknownHeldKey(meterId, batch.end[row], batch.value[row], batch.override[row]);
        if (unknown.has(key)) {
          out.counts.duplicates++;
          continue;
        }
        unknown.add(key);
      }
      holdRow(out, {
        readingId: readingId(meterId, batch.end[row]), meterId, start: Number.NaN, end: batch.end[row], days: 0,
        previous: Number.NaN, current: batch.value[row], consumption: 0, daily: 0, flags: 0,
      }, UNKNOWN_METER, arrivedOf(batch, row));
    }
  }

  /**
   * Groups valid rows by meter in end order and splits them: rows after the meter's latest
   * accepted reading go to the kernel (returned, in order); older rows and same-day repeats go
   * to the late path.
   */
  #chain(batch: ReadingBatch, keys: Int32Array, late: LatePath, out: BatchOutput): Int32Array {
    const n = batch.length;
    const scratch = this.#s;
    scratch.reserveBatch(n);
    const valid = scratch.valid;
    for (let row = 0; row < n; row++) valid[row] = batch.reject[row] !== 0 ? -1 : keys[row];
    // Sensor rows have no register value: they never reach the kernel.
    const sensorRow = batch.sensorRow;
    if (sensorRow !== undefined) for (let row = 0; row < n; row++) if (sensorRow[row] === 1) valid[row] = -1;
    const count = scratch.grouper.group(n, valid, batch.end, batch.line, this.#ctx.meters.size, scratch.order);
    const order = scratch.order;
    const rows = scratch.rows;
    const { lastEnd } = this.#ctx.state;
    let chained = 0;
    let prevKey = -1;
    let prevEnd = 0;
    let prevValue = 0;
    let prevOverride = Number.NaN;
    // The meter whose rows after a repeat go to the late path too (see below).
    let deferred = -1;
    const held = this.#ctx.heldIndex;
    for (let i = 0; i < count; i++) {
      const row = order[i];
      const k = keys[row];
      const end = batch.end[row];
      // At or before the latest trusted reading (a pulse meter's latest reading, held too: a count
      // before it cannot split its interval): the late path compares it with the chain.
      if (end <= lateUntil(this.#ctx.state, k)) {
        late.add(batch, row, k);
        continue;
      }
      if (k === deferred) {
        late.repeat(batch, row, k, undefined);
        continue;
      }
      if (k === prevKey && end === prevEnd) {
        // A repeat of a new day's reading earlier in this batch: another value is a conflict if
        // that reading enters the chain, a reading of its own if it is held (the late path
        // decides, once the kernel has). The meter's later rows follow it there, in end order,
        // so they are judged against the chain it leaves, as in a batch per reading. A pulse
        // count for a day counted already is a conflict.
        if (batch.value[row] === prevValue && sameOverride(batch.override[row], prevOverride)) out.counts.duplicates++;
        else if (isPulseMeter(this.#ctx.meters, k)) late.conflict(batch, row, k);
        else {
          late.repeat(batch, row, k, lastEnd[k] === NO_DAY ? undefined : { end: lastEnd[k], value: this.#ctx.state.lastValue[k] });
          deferred = k;
        }
        continue;
      }
      if (held.has(k, end, batch.value[row], batch.override[row]) && !isReleased(batch, row)) {
        // An exact re-send of a held reading: counted, not held again.
        out.counts.duplicates++;
        continue;
      }
      prevKey = k;
      prevEnd = end;
      prevValue = batch.value[row];
      prevOverride = batch.override[row];
      rows[chained++] = row;
    }
    return rows.subarray(0, chained);
  }

  /**
   * Runs the kernel over the chained rows, then decides, records and updates state, in runs of
   * about RUN_ROWS rows: each run's kernel batch, fact columns and per-row arrays stay in the
   * processor's caches from stage to stage, where a whole batch's (~11 MB at 65,536 rows) went
   * out to memory and back between stages. A run may end between meters (a meter's decisions
   * read only its own state and rows), never inside one: a meter's later row reads what its
   * earlier ones left in the run's columns (a held pulse reading's count is the next one's base).
   */
  #compute(batch: ReadingBatch, keys: Int32Array, rows: Int32Array, out: BatchOutput): void {
    const m = rows.length;
    for (let a = 0; a < m;) {
      let b = Math.min(m, a + (this.#ctx.runRows ?? RUN_ROWS));
      while (b < m && keys[rows[b]] === keys[rows[b - 1]]) b++;
      this.#computeRun(batch, keys, rows.subarray(a, b), out);
      a = b;
    }
  }

  /** #compute over one run of the chained rows (all of its meters' rows). */
  #computeRun(batch: ReadingBatch, keys: Int32Array, rows: Int32Array, out: BatchOutput): void {
    const m = rows.length;
    const { kernel, meters, state } = this.#ctx;
    // Every input column of rows [0, m) is written below: nothing an earlier decision left is read.
    const work = this.#s.take(m);
    const pulses = kernelInputs(work.columns, batch, keys, rows, meters, state, this.#pulses.pulseRows(m));
    kernel.compute(work, m);
    this.#pulses.apply(batch, keys, rows, work, pulses, meters, state);
    const r = work.columns;
    this.#s.reserve(m);
    const plugin = this.#ctx.pluginFacts?.build(batch, rows, r, m);
    if (this.#ctx.rules.columnar !== undefined) this.#judgeInRounds({ batch, keys, rows, r, extra: plugin }, m);
    else this.#judgeInOrder(batch, keys, rows, r, m, out);
    this.#record(batch, keys, rows, r, m, out);
  }

  /**
   * Columnar rules, in rounds: round n holds every meter's n-th reading of the batch, its facts
   * filled once round n-1 has changed its meter's state (a batch of one reading per meter is one
   * round). Each round is evaluated for all its readings at once.
   */
  #judgeInRounds(src: KernelRows, m: number): void {
    const { keys, rows } = src;
    const ctx = this.#ctx;
    const rules = ctx.rules;
    // Each loop is a function of its own: V8 compiles a hot loop's function on the spot (on-stack
    // replacement), and code after that loop, not run by then, left the compiled code.
    const at = this.#s.at;
    const starts = roundOrder(keys, rows, m, this.#s.round, at);
    const rounds = starts.length - 1;
    const facts = this.#s.facts;
    facts.reserve(m);
    for (let q = 0; q < rounds; q++) {
      const from = starts[q];
      const to = starts[q + 1];
      if (q > 0) this.#rebaseRound(src, at, from, to);
      // A round of a few readings (a meter with many readings in the batch) is evaluated reading
      // by reading, to the same bits: a round of columns costs about what 10 readings do.
      if (to - from >= ROUND_COLUMNS || !this.#firedByRow(src, at, from, to)) {
        facts.fill(ctx, src, at, from, to);
        rules.evaluateColumns(facts.slice(from, to), to - from, this.#s.fired.subarray(from, to));
      }
      this.#settleRound(src, at, from, to);
    }
  }

  /** Rows of a round after the first whose previous row (the meter's) was held: rebased on the meter's state. */
  #rebaseRound(src: KernelRows, at: Int32Array, from: number, to: number): void {
    const heldAt = this.#s.heldAt;
    for (let j = from; j < to; j++) if (heldAt[at[j] - 1] === 1) this.#rebase(src, at[j]);
  }

  /** A round's readings settled by the rules that fired for them (#fired[from, to)). */
  #settleRound(src: KernelRows, at: Int32Array, from: number, to: number): void {
    const { keys, rows } = src;
    const ctx = this.#ctx;
    const rules = ctx.rules;
    const s = this.#s;
    for (let j = from; j < to; j++) {
      const i = at[j];
      const fired = s.fired[j];
      s.firedAt[i] = fired;
      if (fired === 0) {
        // No rule fired (most readings): billable, nothing to flag.
        s.flagged[i] = 0;
        this.#settle(src.batch, keys, rows, src.r, i, "");
        continue;
      }
      const decision = rules.decideFired(fired);
      // A release lifts its rules' holds and does not flag the meter again (their alerts stand);
      // one that lifts nothing (rejudge.ts) is judged as any reading.
      s.flagged[i] = !liftsHolds(src.batch, rows[i]) && flag(ctx, keys[rows[i]], decision) ? 1 : 0;
      this.#settle(src.batch, keys, rows, src.r, i, decision.reasons);
    }
  }

  /** Sets #fired[from, to) reading by reading (rules.firedOf); false when a rule threw. */
  #firedByRow(src: KernelRows, at: Int32Array, from: number, to: number): boolean {
    const ctx = this.#ctx;
    const { batch, keys, rows, r } = src;
    for (let j = from; j < to; j++) {
      const i = at[j];
      const row = rows[i];
      ctx.pluginFacts?.assign(ctx.facts as Record<string, unknown>, i);
      fillFacts(ctx, keys[row], r.end[i], r.cur[i], r.override[i], batch.source[row], batch.verification[row], batch.photo?.[row] ?? 0,
        r.consumption[i], r.prev[i], r.days[i], r.daily[i], r.flags[i]);
      const fired = ctx.rules.firedOf(ctx.facts);
      if (fired < 0) return false;
      this.#s.fired[j] = fired;
    }
    return true;
  }

  /** Row-by-row rules (a rule set the columnar compiler cannot take), kernel row by kernel row. */
  #judgeInOrder(batch: ReadingBatch, keys: Int32Array, rows: Int32Array, r: ConsumptionColumns, m: number, out: BatchOutput): void {
    const ctx = this.#ctx;
    for (let i = 0; i < m; i++) {
      const row = rows[i];
      const k = keys[row];
      if (i > 0 && keys[rows[i - 1]] === k && this.#s.heldAt[i - 1] === 1) this.#rebase({ batch, keys, rows, r }, i);
      ctx.pluginFacts?.assign(ctx.facts as Record<string, unknown>, i);
      const reasons = judge(ctx, out, k, r.end[i], r.cur[i], r.override[i], batch.source[row], batch.verification[row],
        batch.photo?.[row] ?? 0, r.consumption[i], r.prev[i], r.days[i], r.daily[i], r.flags[i], !liftsHolds(batch, row));
      this.#settle(batch, keys, rows, r, i, reasons);
    }
  }

  /**
   * Kernel row i follows a reading held in this batch: a held reading is never a base, so i is
   * computed again against its meter's latest trusted reading, as a later batch would. A pulse
   * meter's count is its own over the interval since its previous reading, held or not: only its
   * cumulative register moves off the held one (and its later rows' with it).
   */
  #rebase(src: KernelRows, i: number): void {
    const { batch, keys, rows, r } = src;
    const row = rows[i];
    const k = keys[row];
    const { state, meters } = this.#ctx;
    if (isPulseMeter(meters, k)) {
      const prev = state.lastValue[k];
      const base = prev === prev ? prev : 0;
      const shift = base + batch.value[row] - r.cur[i];
      r.prev[i] = base;
      for (let j = i; j < rows.length && keys[rows[j]] === k; j++) {
        if (j > i) r.prev[j] += shift;
        r.cur[j] += shift;
      }
      return;
    }
    const c = computeOne(this.#ctx, k, state.lastValue[k], state.lastEnd[k], batch.value[row], r.end[i], batch.override[row]);
    r.prev[i] = c.prev;
    r.consumption[i] = c.consumption;
    r.flags[i] = c.flags;
    r.start[i] = c.start;
    r.days[i] = c.days;
    r.daily[i] = c.daily;
  }

  /**
   * Settles kernel row i's decision (an operator's release lifts the rules' holds, not a meter type
   * no plugin defines: meter-types.ts): a trusted reading moves its meter's state on, a held one
   * leaves it as it was.
   */
  #settle(batch: ReadingBatch, keys: Int32Array, rows: Int32Array, r: ConsumptionColumns, i: number, judged: string): void {
    const row = rows[i];
    const k = keys[row];
    const reasons = withTypeHold(this.#ctx.pluginFacts?.meterTypes, this.#ctx.meters, k, releasedReasons(batch, row, judged, r.flags[i], r.consumption[i]));
    this.#s.reasons[i] = reasons;
    if (!isTrusted(reasons)) {
      this.#s.heldAt[i] = 1;
      return;
    }
    this.#s.heldAt[i] = 0;
    const { state } = this.#ctx;
    if (reasons === "") {
      state.readings[k]++;
      state.sumConsumption[k] += r.consumption[i];
      state.sumDays[k] += r.days[i];
    }
    state.lastEnd[k] = r.end[i];
    state.lastValue[k] = r.cur[i];
  }

  /** Writes the batch's decisions out in kernel-row order: alerts and audit, ledger entries, held readings, counts. */
  #record(batch: ReadingBatch, keys: Int32Array, rows: Int32Array, r: ConsumptionColumns, m: number, out: BatchOutput): void {
    const ctx = this.#ctx;
    const columnar = ctx.rules.columnar !== undefined;
    const { history, counts } = out;
    for (let i = 0; i < m; i++) {
      const row = rows[i];
      const k = keys[row];
      const end = r.end[i];
      // Row-by-row rules recorded their alerts as they judged.
      if (columnar && (this.#s.firedAt[i] !== 0 || this.#s.flagged[i] === 1)) {
        record(ctx, out, k, end, ctx.rules.decideFired(this.#s.firedAt[i]), this.#s.flagged[i] === 1);
      }
      const reasons = this.#s.reasons[i];
      const cur = r.cur[i];
      const prev = r.prev[i];
      const consumption = r.consumption[i];
      const flags = r.flags[i];
      const start = r.start[i];
      if (this.#s.heldAt[i] === 1) {
        // Held: out of the chain; kept with its reading for a later release.
        // The id read here only (a pool thread unpacks the slice's ids on first use: transfer.ts).
        this.#hold(out, batch, row, ctx.meters.ids.get(k), end, start, r.days[i], prev, cur, consumption, r.daily[i], flags, reasons);
        ctx.heldIndex.add(k, end, batch.value[row], batch.override[row]);
        continue;
      }
      // Released and in the chain (a release stays held only while its meter's type is undefined: meter-types.ts).
      if (isReleased(batch, row)) recordRelease(ctx, out, batch, row, k);
      const held = reasons === "" ? 0 : 1;
      // A pulse meter's baseline keeps its debounced count: owed once a reading before it enters the chain (late.ts).
      const debounced = (flags & FLAG.initial) !== 0 && isPulseMeter(ctx.meters, k) ? debouncedCount(batch, row) : 0;
      appendEntry(history, k, end, cur, prev, start, consumption, held === 0 ? consumption : 0, flags, held, r.override[i], debounced);
      // A baseline (held `initial`, in the chain): its held.csv row comes from its ledger entry
      // (emit.ts); there is nothing to release, so the store keeps no held record of it.
      if (held === 0) counts.billable++;
      else counts.held++;
    }
  }

  /**
   * Records a held reading: its held.csv row and the reading as it arrived (built only for held
   * readings; a billable one's billing line comes from its ledger entry).
   */
  #hold(out: BatchOutput, batch: ReadingBatch, row: number, meterId: string, end: number, start: number, days: number,
    prev: number, cur: number, consumption: number, daily: number, flags: number, reasons: string): void {
    const initial = (flags & FLAG.initial) !== 0;
    holdRow(out, {
      readingId: readingId(meterId, end), meterId, start: initial ? Number.NaN : start,
      end, days, previous: prev, current: cur, consumption, daily, flags,
    }, reasons, arrivedOf(batch, row));
  }
}

/**
 * Kernel rows [0, m) ordered by round (a counting sort): a row's round is its place among its
 * meter's rows (grouped by meter, in end order); round q is at[starts[q] .. starts[q + 1]).
 * Returns `starts` (its length is the rounds + 1).
 */
function roundOrder(keys: Int32Array, rows: Int32Array, m: number, round: Int32Array, at: Int32Array): Int32Array {
  let rounds = 1;
  for (let i = 0; i < m; i++) {
    const q = i > 0 && keys[rows[i - 1]] === keys[rows[i]] ? round[i - 1] + 1 : 0;
    round[i] = q;
    if (q >= rounds) rounds = q + 1;
  }
  const starts = new Int32Array(rounds + 1);
  for (let i = 0; i < m; i++) starts[round[i] + 1]++;
  for (let q = 0; q < rounds; q++) starts[q + 1] += starts[q];
  const next = starts.slice(0, rounds);
  for (let i = 0; i < m; i++) at[next[round[i]]++] = i;
  return starts;
}

/**
 * The kernel's input columns of rows [0, rows.length): each row's previous register (its meter's
 * state, or the row before it of the same meter), end, value and its meter's settings; pulse
 * meters' rows listed in `pulseAt` (returns how many: the pulse stage's rows). A loop of
 * its own, outside the decision's run: V8 compiles a hot loop's function on the spot (on-stack
 * replacement), before the code after the loop has run, and that code then left the compiled
 * run function at each of ~30 of the nightly's 245 runs (`--trace-deopt`).
 */
function kernelInputs(c: ConsumptionColumns, batch: ReadingBatch, keys: Int32Array, rows: Int32Array,
  meters: DecideContext["meters"], state: DecideContext["state"], pulseAt: Int32Array): number {
  let lastKey = -1;
  let pulses = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const k = keys[row];
    if (k === lastKey) {
      c.prev[i] = c.cur[i - 1];
      c.prevEnd[i] = c.end[i - 1];
    } else {
      c.prev[i] = state.lastValue[k];
      // A pulse meter's interval starts at its latest reading, held too (MeterState.pulseEnd).
      c.prevEnd[i] = lateUntil(state, k);
      lastKey = k;
    }
    c.end[i] = batch.end[row];
    c.override[i] = batch.override[row];
    const weight = meters.pulseWeight[k];
    if (weight === weight) {
      // A pulse meter: a register of cumulative raw pulses, never wrapping (pulses.ts).
      let prev = c.prev[i];
      // No trusted reading yet, but an interval that began at a held one: counted from 0.
      if (prev !== prev && state.pulseEnd[k] !== NO_DAY) prev = c.prev[i] = 0;
      c.cur[i] = (prev === prev ? prev : 0) + batch.value[row];
      c.scale[i] = weight;
      c.reset[i] = Number.NaN;
      c.digits[i] = 0;
      c.mode[i] = 0;
      pulseAt[pulses++] = i;
    } else {
      c.cur[i] = batch.value[row];
      c.scale[i] = meters.scale[k];
      c.reset[i] = meters.reset[k];
      c.digits[i] = meters.digits[k];
      c.mode[i] = meters.mode[k];
    }
  }
  return pulses;
}
