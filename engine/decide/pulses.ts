// Pulse meters in a batch (DESIGN.md "Pulse meters and impulse-sensor faults"). A pulse meter's
// reading carries the pulses counted in the interval since its previous reading (`value`) and,
// optionally, what the module measured (pulse columns). It goes through the consumption kernel as
// a virtual register of cumulative raw pulses (scaling factor = pulse weight, no rollover), so
// periods, initial readings, overrides, duplicates and history work as for any meter; then the
// pulse interval kernel gives its debounced consumption and fault bits, which replace the
// register's consumption and join its flags. The rules see the faults as facts.
import type { ConsumptionBatch, ConsumptionColumns } from "../consumption/index.js";
import { FLAG, flagNames, PULSE_FAULTS } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { NO_DAY } from "../ingest/batch.js";
import { PULSE_INPUTS } from "../ingest/pulse-fields.js";
import type { PulseReadingColumns } from "../ingest/pulse-fields.js";
import { createPulseKernel } from "../pulses/kernel.js";
import type { PulseBatch, PulseKernel } from "../pulses/index.js";
import { thresholdsOf } from "../pulses/profiles.js";
import type { PulseSettings } from "../pulses/profiles.js";
import type { MeterTable } from "../store/meter-table.js";
import type { MeterState } from "../store/state.js";
import { DAY_MINUTES } from "../pulses/thresholds.js";
import { timeZone } from "../time/current.js";

/** Whether meter `k` is a pulse meter. */
export function isPulseMeter(meters: MeterTable, k: number): boolean {
  return meters.pulseWeight[k] === meters.pulseWeight[k];
}

/** A pulse reading's debounced count, as the kernel bills it: its `pulse_debounced`, else its count. */
export function debouncedCount(batch: ReadingBatch, row: number): number {
  const given = batch.pulse?.debouncedIn[row];
  return given === undefined || given !== given ? batch.value[row] : given;
}

/** The pulse interval kernel over a batch's pulse rows. */
export class PulseStage {
  /** Pulse readings per fault name, over every batch so far. */
  readonly faults = new Map<string, number>();
  readonly #implementation: PulseKernel["implementation"];
  #kernel: PulseKernel | undefined;
  #work: PulseBatch | undefined;
  #at = new Int32Array(0);
  readonly #settings = newSettings();

  constructor(implementation: PulseKernel["implementation"]) {
    this.#implementation = implementation;
  }

  /** Gives the pulse kernel's WebAssembly memory back. */
  release(): void {
    if (this.#work !== undefined) this.#kernel?.release(this.#work);
    this.#work = undefined;
  }

  /**
   * Where the caller lists the pulse rows among the consumption kernel's rows [0, m) (kernel row
   * numbers, ascending) before `apply`: the decider's kernel inputs read every row's meter
   * settings anyway, so no pass of its own looks for them here.
   */
  pulseRows(m: number): Int32Array {
    if (this.#at.length < m) this.#at = new Int32Array(Math.max(m, 65536));
    return this.#at;
  }

  /**
   * Computes the `n` pulse rows listed in `pulseRows` among the consumption kernel's rows of
   * `computed` (`rows[i]` is the batch row of i) and writes their consumption, daily use and fault
   * flags back into it. Updates each pulse meter's idle stretch in `state`, and the end of its
   * latest reading (MeterState.pulseEnd: held or not, it ends the next count's interval). Both kernels share
   * WebAssembly memory: take `computed.columns` again afterwards (an allocation here may have
   * grown the memory).
   */
  apply(batch: ReadingBatch, keys: Int32Array, rows: Int32Array, computed: ConsumptionBatch, n: number, meters: MeterTable, state: MeterState): void {
    if (n === 0) return;
    const at = this.#at;
    this.#kernel ??= createPulseKernel({ implementation: this.#implementation });
    if (this.#work === undefined || this.#work.capacity < n) {
      if (this.#work !== undefined) this.#kernel.release(this.#work);
      this.#work = this.#kernel.allocate(Math.max(n, 4096));
    }
    const work = this.#work;
    const r = computed.columns;
    work.clear(0, n);
    const c = work.columns;
    const zone = timeZone();
    for (let j = 0; j < n; j++) {
      const i = at[j];
      const row = rows[i];
      const k = keys[row];
      const initial = (r.flags[i] & FLAG.initial) !== 0;
      // Idle stretch: since the end of the meter's latest reading with pulses, or since its
      // previous reading when none is known (a first reading covers its own day).
      let since = state.idleSince[k];
      if (since === NO_DAY) since = initial ? r.end[i] - 1 : r.prevEnd[i];
      state.idleSince[k] = batch.value[row] > 0 ? r.end[i] : since;
      state.pulseEnd[k] = r.end[i];
      fillRow(c, j, batch.value[row], batch.pulse, row, k, meters, this.#settings, zone, initial, r.days[i], r.end[i], r.prevEnd[i], r.end[i] - since);
    }
    this.#kernel.compute(work, n);
    for (let j = 0; j < n; j++) {
      const i = at[j];
      const faults = c.faults[j];
      if (faults !== 0) for (const name of flagNames(faults)) this.faults.set(name, (this.faults.get(name) ?? 0) + 1);
      applyPulseOutcome(r, i, faults, c.consumption[j]);
    }
  }
}

/**
 * Fills pulse kernel row j with `count` and row `row` of the pulse columns (none: not measured)
 * and meter k's thresholds over its interval: `days` calendar days ending `end` after `prevEnd`
 * (leak needs a day or more), and the minutes they really last in the zone (qmax allows flow
 * over real time: the day clocks go forward is 23 hours, back 25). A count that covers only its
 * own day (an events day reading: its `dayMin`) is judged against qmax over that day, whatever
 * the gap since the previous reading, and so is a first reading's: over a gap of days a magnet's
 * day spread over the whole interval fell below qmax and was billed (pulse audit).
 */
function fillRow(c: PulseBatch["columns"], j: number, count: number, pulse: PulseReadingColumns | undefined, row: number, k: number,
  meters: MeterTable, s: PulseSettings, zone: ReturnType<typeof timeZone>, initial: boolean, days: number, end: number, prevEnd: number,
  idleDays: number): void {
  const spanMin = initial ? Number.NaN : days * DAY_MINUTES;
  const dayMin = pulse === undefined ? Number.NaN : pulse.dayMin[row];
  const realMin = dayMin === dayMin ? dayMin
    : initial || zone.name === "UTC" ? spanMin : (zone.startOf(end + 1) - zone.startOf(prevEnd + 1)) / 60_000;
  c.count[j] = count;
  c.spanMin[j] = spanMin;
  if (pulse !== undefined) for (const input of PULSE_INPUTS) c[input][j] = pulse[input][row];
  c.idleDays[j] = idleDays;
  s.input = meters.pulseInput[k];
  s.weight = meters.pulseWeight[k];
  s.widthMs = meters.pulseWidthMs[k];
  s.qmax = meters.qmax[k];
  s.noPulseDays = meters.noPulseDays[k];
  s.debounceMs = meters.debounceMs[k];
  const t = thresholdsOf(s, realMin);
  c.weight[j] = t.weight;
  c.debounceMs[j] = t.debounceMs;
  c.specMinOnMs[j] = t.specMinOnMs;
  c.specMinGapMs[j] = t.specMinGapMs;
  c.shortClosedMs[j] = t.shortClosedMs;
  c.namurLowMa[j] = t.namurLowMa;
  c.namurHighMa[j] = t.namurHighMa;
  c.maxPulses[j] = t.maxPulses;
  c.leakSlotMin[j] = t.leakSlotMin;
  c.noPulseDays[j] = t.noPulseDays;
}

/**
 * Consumption kernel row i's consumption, daily use and flags from the pulse kernel's outcome (its
 * fault bits in place of any before): a batch's rows, or computeOne's row (chain.ts `oneRow`).
 */
export function applyPulseOutcome(r: ConsumptionColumns, i: number, faults: number, consumption: number): void {
  let flags = (r.flags[i] & ~PULSE_FAULTS) | faults;
  // The first reading and an override keep the register's outcome (not billed / the override).
  if ((flags & (FLAG.initial | FLAG.override)) === 0) {
    r.consumption[i] = consumption;
    r.daily[i] = consumption / r.days[i];
    flags = consumption === 0 ? flags | FLAG.zero : flags & ~FLAG.zero;
  }
  r.flags[i] = flags;
}

/** Pulse settings to fill per row (fillRow). */
function newSettings(): PulseSettings {
  return { input: 0, weight: 1, widthMs: Number.NaN, qmax: Number.NaN, noPulseDays: Number.NaN, debounceMs: Number.NaN };
}

let one: { kernel: PulseKernel; work: PulseBatch; settings: PulseSettings } | undefined;

/**
 * One pulse reading's debounced consumption and faults over an interval (the reference kernel,
 * in memory of its own): a released reading the late path places in the chain.
 */
export function pulseOne(batch: ReadingBatch, row: number, k: number, meters: MeterTable, initial: boolean, days: number, end: number,
  prevEnd: number, idleDays: number): { consumption: number; faults: number } {
  return pulseInterval(batch.value[row], Number.NaN, batch.pulse, row, k, meters, initial, days, end, prevEnd, idleDays);
}

/**
 * A count and debounced count known without their pulse columns (a pulse meter's old baseline,
 * billed once a reading before it enters the chain) over an interval: its debounced consumption
 * and the faults the count alone shows there (more pulses than qmax allows, no pulses for
 * no_pulse_days).
 */
export function pulseOfCount(count: number, debounced: number, k: number, meters: MeterTable, days: number, end: number, prevEnd: number,
  idleDays: number): { consumption: number; faults: number } {
  return pulseInterval(count, debounced, undefined, 0, k, meters, false, days, end, prevEnd, idleDays);
}

/** One pulse kernel row (the reference kernel, in memory of its own): `debounced` NaN bills `count`. */
function pulseInterval(count: number, debounced: number, pulse: PulseReadingColumns | undefined, row: number, k: number, meters: MeterTable,
  initial: boolean, days: number, end: number, prevEnd: number, idleDays: number): { consumption: number; faults: number } {
  if (one === undefined) {
    const kernel = createPulseKernel({ implementation: "reference" });
    one = { kernel, work: kernel.allocate(1), settings: newSettings() };
  }
  one.work.clear(0, 1);
  const c = one.work.columns;
  fillRow(c, 0, count, pulse, row, k, meters, one.settings, timeZone(), initial, days, end, prevEnd, idleDays);
  if (debounced === debounced) c.debouncedIn[0] = debounced;
  one.kernel.compute(one.work, 1);
  return { consumption: c.consumption[0], faults: c.faults[0] };
}
