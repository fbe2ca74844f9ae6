// Pulse meters in a batch (DESIGN.md "Pulse meters and impulse-sensor faults"). A pulse meter's
// reading carries the pulses counted in the interval since its previous reading (`value`) and,
// optionally, what the module measured (pulse columns). It goes through the consumption kernel as
// a virtual register of cumulative raw pulses (scaling factor = pulse weight, no rollover), so
// periods, initial readings, overrides, duplicates and history work as for any meter; then the
// pulse interval kernel gives its debounced consumption and fault bits, which replace the
// register's consumption and join its flags. The rules see the faults as facts.
import type { ConsumptionBatch } from "../consumption/index.js";
import { FLAG, flagNames } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { NO_DAY } from "../ingest/batch.js";
import { PULSE_INPUTS } from "../ingest/pulse-fields.js";
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

/** The pulse interval kernel over a batch's pulse rows. */
export class PulseStage {
  /** Pulse readings per fault name, over every batch so far. */
  readonly faults = new Map<string, number>();
  readonly #implementation: PulseKernel["implementation"];
  #kernel: PulseKernel | undefined;
  #work: PulseBatch | undefined;
  #at = new Int32Array(0);
  readonly #settings: PulseSettings = { input: 0, weight: 1, widthMs: Number.NaN, qmax: Number.NaN, noPulseDays: Number.NaN, debounceMs: Number.NaN };

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
   * flags back into it. Updates each pulse meter's idle stretch in `state`. Both kernels share
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
    const pulse = batch.pulse;
    const s = this.#settings;
    const zone = timeZone();
    const utc = zone.name === "UTC";
    for (let j = 0; j < n; j++) {
      const i = at[j];
      const row = rows[i];
      const k = keys[row];
      const count = batch.value[row];
      const initial = (r.flags[i] & FLAG.initial) !== 0;
      // Calendar days (leak needs a day or more), and the minutes they really last in the zone
      // (qmax allows flow over real time: the day clocks go forward is 23 hours, back 25).
      const spanMin = initial ? Number.NaN : r.days[i] * DAY_MINUTES;
      const realMin = initial || utc ? spanMin : (zone.startOf(r.end[i] + 1) - zone.startOf(r.prevEnd[i] + 1)) / 60_000;
      c.count[j] = count;
      c.spanMin[j] = spanMin;
      if (pulse !== undefined) for (const input of PULSE_INPUTS) c[input][j] = pulse[input][row];
      // Idle stretch: since the end of the meter's latest reading with pulses, or since its
      // previous reading when none is known (a first reading covers its own day).
      let since = state.idleSince[k];
      if (since === NO_DAY) since = initial ? r.end[i] - 1 : r.prevEnd[i];
      c.idleDays[j] = r.end[i] - since;
      state.idleSince[k] = count > 0 ? r.end[i] : since;
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
    this.#kernel.compute(work, n);
    for (let j = 0; j < n; j++) {
      const i = at[j];
      const faults = c.faults[j];
      if (faults !== 0) for (const name of flagNames(faults)) this.faults.set(name, (this.faults.get(name) ?? 0) + 1);
      let flags = r.flags[i] | faults;
      // The first reading and an override keep the register's outcome (not billed / the override).
      if ((flags & (FLAG.initial | FLAG.override)) === 0) {
        const consumption = c.consumption[j];
        r.consumption[i] = consumption;
        r.daily[i] = consumption / r.days[i];
        flags = consumption === 0 ? flags | FLAG.zero : flags & ~FLAG.zero;
      }
      r.flags[i] = flags;
    }
  }
}
