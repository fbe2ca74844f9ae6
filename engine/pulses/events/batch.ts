// A batch of the pulse event kernel: event rows and interval rows, two column batches
// (engine/wasm/column-batch.ts) laid out one after the other in one region.
import { ColumnBatch, layoutColumns } from "../../wasm/column-batch.js";
import type { BatchMemory } from "../../wasm/column-batch.js";
import { DEFAULT_PULSE_THRESHOLDS } from "../thresholds.js";
import { EVENT_INTERVAL_COLUMNS, PULSE_EVENT_COLUMNS } from "./columns.js";
import type { EventIntervalColumnName, EventIntervalColumns, PulseEventColumnName, PulseEventColumns } from "./columns.js";

/** Milliseconds in a day: the interval a cleared row spans. */
const DAY_MS = 86_400_000;

class EventRows extends ColumnBatch<PulseEventColumnName, PulseEventColumns> {
  constructor(memory: BatchMemory, base: number, capacity: number) {
    super(PULSE_EVENT_COLUMNS, memory, base, capacity);
    this.clear();
  }

  /** Resets rows [from, to): interval 0, t 0, on-time NaN (not measured), not reversed. */
  clear(from = 0, to = this.capacity): void {
    const c = this.columns;
    c.interval.fill(0, from, to);
    c.t.fill(0, from, to);
    c.onMs.fill(Number.NaN, from, to);
    c.reverse.fill(0, from, to);
  }
}

class IntervalRows extends ColumnBatch<EventIntervalColumnName, EventIntervalColumns> {
  constructor(memory: BatchMemory, base: number, capacity: number) {
    super(EVENT_INTERVAL_COLUMNS, memory, base, capacity);
    this.clear();
  }

  /**
   * Resets the inputs of rows [from, to): startMs 0, endMs one day later and the interval
   * kernel's default debounce time (10 ms).
   */
  clear(from = 0, to = this.capacity): void {
    const c = this.columns;
    c.startMs.fill(0, from, to);
    c.endMs.fill(DAY_MS, from, to);
    c.debounceMs.fill(DEFAULT_PULSE_THRESHOLDS.debounceMs, from, to);
  }
}

/** Events and the intervals they are summarised into; create with PulseEventKernel.allocate. */
export class PulseEventBatch {
  readonly #events: EventRows;
  readonly #intervals: IntervalRows;

  constructor(memory: BatchMemory, base: number, eventCapacity: number, intervalCapacity: number) {
    this.#events = new EventRows(memory, base, eventCapacity);
    this.#intervals = new IntervalRows(memory, base + eventBytes(eventCapacity), intervalCapacity);
  }

  /** Bytes a batch occupies. */
  static bytes(eventCapacity: number, intervalCapacity: number): number {
    return eventBytes(eventCapacity) + layoutColumns(EVENT_INTERVAL_COLUMNS, intervalCapacity).bytes;
  }

  /** Events the batch can hold. */
  get eventCapacity(): number {
    return this.#events.capacity;
  }

  /** Intervals the batch can hold. */
  get intervalCapacity(): number {
    return this.#intervals.capacity;
  }

  /**
   * Event columns, views into the kernels' memory: valid until that memory grows (read them
   * again after allocating; rebuilt only when the buffer changed).
   */
  get events(): PulseEventColumns {
    return this.#events.columns;
  }

  /** Interval columns, views like {@link events}. */
  get intervals(): EventIntervalColumns {
    return this.#intervals.columns;
  }

  /** Pointer (byte offset in memory) of a column, for kernel calls. */
  pointer(column: PulseEventColumnName | EventIntervalColumnName): number {
    return isEventColumn(column) ? this.#events.pointer(column) : this.#intervals.pointer(column);
  }

  /** Resets events [from, to) (see EventRows.clear). */
  clearEvents(from?: number, to?: number): void {
    this.#events.clear(from, to);
  }

  /** Resets the inputs of intervals [from, to) (see IntervalRows.clear). */
  clearIntervals(from?: number, to?: number): void {
    this.#intervals.clear(from, to);
  }
}

function eventBytes(capacity: number): number {
  return layoutColumns(PULSE_EVENT_COLUMNS, capacity).bytes;
}

const EVENT_NAMES: ReadonlySet<string> = new Set(PULSE_EVENT_COLUMNS.map(([name]) => name));

function isEventColumn(name: string): name is PulseEventColumnName {
  return EVENT_NAMES.has(name);
}

