// Thresholds with durations, per meter and threshold: the state that spans readings, batches
// and runs (snapshot / restore). The rules:
// - A reading meets a threshold when its value is strictly above `above` (or below `below`).
//   NaN (nothing measured: a wide row without that channel) is no observation at all: it
//   neither meets the condition nor ends an episode, and changes no state.
// - An episode begins at the time of the first reading meeting the condition. The duration is
//   strict, as the value comparison is: the first reading with `timeMs - start > forMinutes *
//   60000` (more than forMinutes later, so exactly forMinutes is not yet enough) that still holds
//   raises one alert, the episode's only one (forMinutes 0: the first reading alerts). A reading
//   not meeting it ends the episode, unless it lies within the threshold's `hysteresis` of the
//   limit (the deadband): then the open episode goes on, but only a reading that meets the
//   condition raises its alert (docs/plugins.md: "to a reading that still meets it"; a signal
//   that sank into the band is not "above 8 °C", whatever its duration).
// - This file is the one place that compares a duration: the engine, the test engine and the
//   conformance suite all judge through ThresholdTracker. A snapshot holds no verdict, only each
//   open episode's start and whether it alerted, so one saved under the old `>=` rule restores
//   and alerts under this one.
// - Readings of one meter and channel must come in time order. One older than the last observed
//   for that meter and channel is `late`: it changes nothing and the caller decides what to do
//   with it. Equal times are in order. Sort a batch with timeOrder (or use observeBatch, which
//   does) so data logged offline for days and uploaded at once is judged in time order.
// - A channel no threshold watches is not tracked.
import type { Severity } from "./sensors.js";
import { readSnapshot } from "./threshold-snapshot.js";
import type { ThresholdSnapshot, ThresholdSnapshotEntry } from "./threshold-snapshot.js";
import { timeOrder } from "./time-order.js";

/** A threshold as the tracker needs it: RegisteredThreshold fits. */
export interface TrackedThreshold {
  /** Unique: alerts.csv's `rule`, `<plugin>/<name>`. */
  readonly rule: string;
  readonly channel: string;
  readonly above?: number;
  readonly below?: number;
  /** Minutes the condition must hold, strictly more (see ThresholdDefinition); default 0. */
  readonly forMinutes?: number;
  /** Deadband back inside the limit that keeps an open episode going; default 0. */
  readonly hysteresis?: number;
  readonly severity: Severity;
  readonly message: string;
  /**
   * The meters it watches (the engine's configuration can limit a profile to some meters, e.g.
   * refrigerated trucks); absent: every meter. Asked once per meter.
   */
  readonly meters?: (meterId: string) => boolean;
}

/** An alert: one row of alerts.csv. */
export interface Alert {
  readonly meterId: string;
  readonly channel: string;
  /** The reading that completed the duration: the first more than forMinutes after `sinceMs`. */
  readonly timeMs: number;
  readonly value: number;
  /** When the episode began: its first reading meeting the condition. */
  readonly sinceMs: number;
  readonly severity: Severity;
  readonly rule: string;
  readonly message: string;
}

/** A batch in columns for observeBatch: reading i is `meterIds[i]` at `timeMs[i]`. */
export interface ThresholdBatch {
  readonly length: number;
  readonly meterIds: ArrayLike<string>;
  readonly timeMs: ArrayLike<number>;
  /** Values by channel name, NaN where not measured; channels no threshold watches are skipped. */
  readonly channels: Readonly<Record<string, ArrayLike<number>>>;
}

/** What observeBatch found: alerts and late values, each with its reading's index. */
export interface ThresholdBatchResult {
  readonly alerts: Array<Alert & { readonly index: number }>;
  readonly late: Array<{ readonly index: number; readonly meterId: string; readonly channel: string; readonly timeMs: number }>;
}

interface Compiled {
  readonly meters: ((meterId: string) => boolean) | undefined;
  readonly rule: string;
  readonly above: boolean;
  readonly limit: number;
  /** The value an open episode must pass to end: limit -/+ hysteresis. */
  readonly release: number;
  /** forMinutes in ms: an episode alerts once strictly more than this has passed (0: at once). */
  readonly forMs: number;
  readonly severity: Severity;
  readonly message: string;
}

/**
 * One watched channel: its thresholds, and per meter slot (see ThresholdTracker.slot) the last
 * time observed (NaN: never) and, per threshold, the episode's start (NaN: none) and whether it
 * alerted. Columns, not an object per meter: a fleet of 100,000 meters is four arrays.
 */
interface Watch {
  readonly channel: string;
  readonly thresholds: Compiled[];
  lastMs: Float64Array;
  since: Float64Array;
  alerted: Uint8Array;
  /** Per slot and threshold: 1 when the threshold watches that meter (Compiled.meters). */
  applies: Uint8Array;
}

const NO_ALERTS: readonly Alert[] = Object.freeze([]);

/**
 * Tracks thresholds with durations across readings, batches and (with snapshot / restore) runs.
 *
 * @example
 * const tracker = new ThresholdTracker(registry.thresholds);
 * tracker.restore(savedState);                      // from the previous batch or run
 * const r = tracker.observe("T-1", "temperature", Date.parse("2026-11-30T06:00:00Z"), 9.4);
 * if (r === "late") holdLate(); else alerts.push(...r);
 * saveState(tracker.snapshot());
 */
export class ThresholdTracker {
  readonly #watches = new Map<string, Watch>();
  readonly #list: Watch[] = [];
  /** Meter id -> slot, and back. */
  readonly #slots = new Map<string, number>();
  readonly #ids: string[] = [];
  #capacity = 0;

  constructor(thresholds: readonly TrackedThreshold[]) {
    const rules = new Set<string>();
    for (const t of thresholds) {
      if (rules.has(t.rule)) throw new RangeError(`threshold rule "${t.rule}" is given twice`);
      rules.add(t.rule);
      const above = t.above !== undefined;
      const limit = above ? t.above : t.below;
      if (typeof limit !== "number" || Number.isNaN(limit)) throw new RangeError(`threshold "${t.rule}" needs above or below`);
      const band = t.hysteresis ?? 0;
      const release = above ? limit - band : limit + band;
      const compiled: Compiled = { meters: t.meters, rule: t.rule, above, limit, release, forMs: (t.forMinutes ?? 0) * 60_000, severity: t.severity, message: t.message };
      let watch = this.#watches.get(t.channel);
      if (watch === undefined) {
        watch = { channel: t.channel, thresholds: [], lastMs: new Float64Array(0), since: new Float64Array(0), alerted: new Uint8Array(0), applies: new Uint8Array(0) };
        this.#watches.set(t.channel, watch);
        this.#list.push(watch);
      }
      watch.thresholds.push(compiled);
    }
  }

  /** Whether a threshold watches this channel. */
  watches(channel: string): boolean {
    return this.#watches.has(channel);
  }

  /** The index of a watched channel for observeAt, or -1 when no threshold watches it. */
  watchIndex(channel: string): number {
    const watch = this.#watches.get(channel);
    return watch === undefined ? -1 : this.#list.indexOf(watch);
  }

  /** The slot of a meter for observeAt (a dense number, the same for the tracker's lifetime). */
  slot(meterId: string): number {
    let slot = this.#slots.get(meterId);
    if (slot === undefined) {
      slot = this.#ids.length;
      this.#slots.set(meterId, slot);
      this.#ids.push(meterId);
      if (slot >= this.#capacity) this.#grow(Math.max(1024, this.#capacity * 2));
      for (const watch of this.#list) {
        const n = watch.thresholds.length;
        watch.thresholds.forEach((t, k) => (watch.applies[slot! * n + k] = t.meters === undefined || t.meters(meterId) ? 1 : 0));
      }
    }
    return slot;
  }

  /**
   * Observes one value: the alerts it raises (usually none: a shared empty array), or `"late"`
   * when it is older than the last value observed for this meter and channel (nothing changed).
   *
   * @throws RangeError when `timeMs` is not a finite number.
   */
  observe(meterId: string, channel: string, timeMs: number, value: number): readonly Alert[] | "late" {
    const watch = this.#watches.get(channel);
    if (watch === undefined) return NO_ALERTS;
    if (!Number.isFinite(timeMs)) throw new RangeError(`timeMs must be a finite number, got ${timeMs}`);
    if (Number.isNaN(value)) return NO_ALERTS;
    return this.#observe(watch, this.slot(meterId), timeMs, value);
  }

  /**
   * observe() by numbers: `watch` from watchIndex, `slot` from slot. For callers that observe
   * many values of one meter in a row (the engine), without a lookup per value.
   */
  observeAt(watch: number, slot: number, timeMs: number, value: number): readonly Alert[] | "late" {
    const w = this.#list[watch];
    if (w === undefined || !(slot >= 0 && slot < this.#ids.length)) throw new RangeError(`no watch ${watch} or slot ${slot}`);
    if (!Number.isFinite(timeMs)) throw new RangeError(`timeMs must be a finite number, got ${timeMs}`);
    if (Number.isNaN(value)) return NO_ALERTS;
    return this.#observe(w, slot, timeMs, value);
  }

  /**
   * Records `timeMs` as seen for this meter and channel without judging a value (one outside its
   * channel's physical range, alerted once on its own): false when it is not newer than the last
   * value seen (late, or the same value sent again: nothing recorded, nothing to alert).
   */
  seeAt(watch: number, slot: number, timeMs: number): boolean {
    const w = this.#list[watch];
    if (w === undefined || !(slot >= 0 && slot < this.#ids.length)) throw new RangeError(`no watch ${watch} or slot ${slot}`);
    if (!(timeMs > w.lastMs[slot]) && !Number.isNaN(w.lastMs[slot])) return false;
    w.lastMs[slot] = timeMs;
    return true;
  }

  #observe(watch: Watch, slot: number, timeMs: number, value: number): readonly Alert[] | "late" {
    const last = watch.lastMs[slot];
    if (timeMs < last) return "late";
    watch.lastMs[slot] = timeMs;
    const ts = watch.thresholds;
    const n = ts.length;
    const base = slot * n;
    let alerts: Alert[] | undefined;
    for (let k = 0; k < n; k++) {
      const t = ts[k] as Compiled;
      let since = watch.since[base + k] as number;
      // Beyond the limit starts or continues an episode; an open one also continues inside the
      // deadband (up to `release`); anything else ends it.
      const meets = t.above ? value > t.limit : value < t.limit;
      const holds = meets || (since === since && (t.above ? value > t.release : value < t.release));
      if (watch.applies[base + k] === 0 || !holds) {
        watch.since[base + k] = Number.NaN;
        watch.alerted[base + k] = 0;
        continue;
      }
      if (since !== since) watch.since[base + k] = since = timeMs;
      // Strict, as "above 8 °C for more than 30 minutes" reads: at exactly forMs not yet; a zero
      // duration alerts at once (its episode's first reading, where timeMs - since is 0).
      if (watch.alerted[base + k] === 0 && meets && (timeMs - since > t.forMs || t.forMs === 0)) {
        watch.alerted[base + k] = 1;
        const meterId = this.#ids[slot] as string;
        (alerts ??= []).push({ meterId, channel: watch.channel, timeMs, value, sinceMs: since, severity: t.severity, rule: t.rule, message: t.message });
      }
    }
    return alerts ?? NO_ALERTS;
  }

  /**
   * Observes a batch in columns, each meter's readings in time order (timeOrder), whatever their
   * order in the batch.
   */
  observeBatch(batch: ThresholdBatch): ThresholdBatchResult {
    const result: ThresholdBatchResult = { alerts: [], late: [] };
    const watched = Object.keys(batch.channels).filter((c) => this.#watches.has(c));
    if (watched.length === 0) return result;
    for (const i of timeOrder(batch.meterIds, batch.timeMs, batch.length)) {
      const meterId = batch.meterIds[i] as string;
      const timeMs = batch.timeMs[i] as number;
      for (const channel of watched) {
        const r = this.observe(meterId, channel, timeMs, (batch.channels[channel] as ArrayLike<number>)[i] as number);
        if (r === "late") result.late.push({ index: i, meterId, channel, timeMs });
        else for (const alert of r) result.alerts.push({ ...alert, index: i });
      }
    }
    return result;
  }

  /** The state as JSON-serialisable data: the last time of every meter and channel, open episodes. */
  snapshot(): ThresholdSnapshot {
    return this.#snapshotSlots(this.#ids.map((_, slot) => slot));
  }

  /**
   * The state of these meters only (meters never observed are left out): what a batch that saw
   * them commits, so a store keeps the episodes a meter at a time.
   *
   * @example
   * store.save(tracker.snapshotOf(["T-1", "T-2"]));
   */
  snapshotOf(meterIds: Iterable<string>): ThresholdSnapshot {
    const slots: number[] = [];
    for (const id of meterIds) {
      const slot = this.#slots.get(id);
      if (slot !== undefined) slots.push(slot);
    }
    return this.#snapshotSlots(slots);
  }

  /**
   * Sets the state of the meters a snapshot names (each such meter's state is replaced by its
   * entries); every other meter keeps its state. The way to load a meter's episodes when a batch
   * first names it.
   *
   * @example
   * tracker.merge(loadFor(["T-1"]));
   * @throws ThresholdStateError MF_ERR_THRESHOLD_STATE when `snapshot` is not a snapshot (nothing changed).
   */
  merge(snapshot: unknown): void {
    const entries = readSnapshot(snapshot);
    const cleared = new Set<string>();
    for (const e of entries) {
      if (cleared.has(e.meterId)) continue;
      cleared.add(e.meterId);
      const slot = this.slot(e.meterId);
      for (const watch of this.#list) {
        const n = watch.thresholds.length;
        watch.lastMs[slot] = Number.NaN;
        watch.since.fill(Number.NaN, slot * n, slot * n + n);
        watch.alerted.fill(0, slot * n, slot * n + n);
      }
    }
    this.#apply(entries);
  }

  #snapshotSlots(slots: readonly number[]): ThresholdSnapshot {
    const states: ThresholdSnapshotEntry[] = [];
    for (const watch of this.#list) {
      const n = watch.thresholds.length;
      for (const slot of slots) {
        const lastMs = watch.lastMs[slot] as number;
        if (Number.isNaN(lastMs)) continue;
        const episodes: Array<{ rule: string; sinceMs: number; alerted: boolean }> = [];
        watch.thresholds.forEach((t, k) => {
          const since = watch.since[slot * n + k] as number;
          if (!Number.isNaN(since)) episodes.push({ rule: t.rule, sinceMs: since, alerted: watch.alerted[slot * n + k] === 1 });
        });
        states.push({ meterId: this.#ids[slot] as string, channel: watch.channel, lastMs, episodes });
      }
    }
    return { version: 1, states };
  }

  /**
   * Replaces the state with a snapshot's. Channels and rules no threshold of this tracker has
   * any more are dropped.
   *
   * @throws ThresholdStateError MF_ERR_THRESHOLD_STATE when `snapshot` is not a snapshot (nothing changed).
   */
  restore(snapshot: unknown): void {
    const entries = readSnapshot(snapshot);
    for (const watch of this.#list) {
      watch.lastMs.fill(Number.NaN);
      watch.since.fill(Number.NaN);
      watch.alerted.fill(0);
    }
    this.#apply(entries);
  }

  #apply(entries: readonly ThresholdSnapshotEntry[]): void {
    for (const e of entries) {
      const watch = this.#watches.get(e.channel);
      if (watch === undefined) continue;
      const slot = this.slot(e.meterId);
      const n = watch.thresholds.length;
      watch.lastMs[slot] = e.lastMs;
      for (const episode of e.episodes) {
        const k = watch.thresholds.findIndex((t) => t.rule === episode.rule);
        if (k < 0) continue;
        watch.since[slot * n + k] = episode.sinceMs;
        watch.alerted[slot * n + k] = episode.alerted ? 1 : 0;
      }
    }
  }

  #grow(capacity: number): void {
    for (const watch of this.#list) {
      const n = watch.thresholds.length;
      const lastMs = new Float64Array(capacity).fill(Number.NaN);
      lastMs.set(watch.lastMs);
      const since = new Float64Array(capacity * n).fill(Number.NaN);
      since.set(watch.since);
      const alerted = new Uint8Array(capacity * n);
      alerted.set(watch.alerted);
      const applies = new Uint8Array(capacity * n);
      applies.set(watch.applies);
      watch.lastMs = lastMs;
      watch.since = since;
      watch.alerted = alerted;
      watch.applies = applies;
    }
    this.#capacity = capacity;
  }
}
