// The facts plugins add to a reading: its channel values (wide columns or `channel` rows of the
// same meter and day are separate rows, so only wide values reach a reading) and the derived
// facts the plugins compute from a batch's columns (the SDK's PluginRegistry.runFacts, in
// registration order). The rules see them as number facts; NaN is null (missing).
import type { ConsumptionColumns } from "../consumption/index.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { valuesByRow } from "../ingest/sensor-values.js";
import { PluginError } from "../../sdk/errors.js";
import { computeFact } from "../../sdk/fact-runner.js";
import type { RegisteredFact } from "../../sdk/fact-runner.js";
import type { PluginRegistry } from "../../sdk/registry.js";
import { MeterTypeCheck } from "./meter-types.js";


export class PluginFacts {
  /** Every fact name plugins add: channels, then derived facts' outputs. */
  readonly names: readonly string[];
  /**
   * The plugins' meter types, against which a meter's registered type is checked (meter-types.ts);
   * undefined when no plugin defines any (types are then taken as written, as at import).
   */
  readonly meterTypes: MeterTypeCheck | undefined;
  readonly #registry: PluginRegistry;
  readonly #channels: readonly string[];
  /** The plugin facts the rules use; only these are built (set by `use`). */
  #used: readonly string[] = [];
  /** The derived facts to compute, in registration order. */
  #facts: readonly RegisteredFact[] = [];
  #any = false;
  #columns: Record<string, Float64Array> = {};
  /** The sensor values of the batch being built, by batch row (`begin` drops it). */
  #byRow: { first: Int32Array; order: Int32Array } | undefined;

  constructor(registry: PluginRegistry) {
    this.#registry = registry;
    this.#channels = registry.channels.map((c) => c.name);
    const derived = registry.facts.flatMap((f) => f.writes as readonly string[]);
    this.names = [...this.#channels, ...derived];
    const types = registry.meterTypes;
    this.meterTypes = types.length === 0 ? undefined : new MeterTypeCheck(types.map((t) => t.name));
  }

  /**
   * Tells which facts the rules name: plugin facts no rule uses are not built, and only the
   * derived facts that produce a used column (or an input of one) are computed.
   */
  use(ruleFacts: ReadonlySet<string>): void {
    this.#used = this.names.filter((name) => ruleFacts.has(name));
    this.#any = this.#used.length > 0;
    // Backwards over registration order (a fact reads only earlier facts' columns).
    const needed = new Set(this.#used);
    const run: RegisteredFact[] = [];
    for (const fact of [...this.#registry.facts].reverse()) {
      if (!fact.writes.some((w) => needed.has(w))) continue;
      run.unshift(fact);
      for (const r of fact.reads) needed.add(r);
    }
    this.#facts = run;
  }

  /** A new batch: the index `build` made of the last one's sensor values is dropped. */
  begin(): void {
    this.#byRow = undefined;
  }

  /**
   * The plugin facts of the kernel's rows [0, m) (`rows[i]` is the batch row of i), a run of a
   * batch's rows (`begin` before a batch's first): channel values, then the derived facts
   * computed on them. Valid until the next call.
   */
  build(batch: ReadingBatch, rows: Int32Array, r: ConsumptionColumns, m: number): Readonly<Record<string, Float64Array>> {
    if (!this.#any) return this.#columns;
    // The reading fields of FACT_READING_FIELDS (sdk/facts.ts), then the channels.
    const columns: Record<string, Float64Array> = {
      value: r.cur.subarray(0, m), previous: r.prev.subarray(0, m), consumption: r.consumption.subarray(0, m),
      days: Float64Array.from(r.days.subarray(0, m)), daily: r.daily.subarray(0, m),
    };
    for (const name of this.#channels) columns[name] = new Float64Array(m).fill(Number.NaN);
    const s = batch.sensors;
    if (s !== undefined && s.length > 0) {
      // The batch's values by row, indexed once per batch (a batch is built in runs of rows):
      // a row's values in their order, so of one channel given twice the last counts.
      const { first, order } = (this.#byRow ??= valuesByRow(s, batch.length));
      for (let i = 0; i < m; i++) {
        const row = rows[i];
        for (let j = first[row]; j < first[row + 1]; j++) {
          const k = order[j];
          columns[this.#channels[s.channel[k]]][i] = s.value[k];
        }
      }
    }
    for (const fact of this.#facts) computeLocated(fact, columns, m, batch, (i) => rows[i]);
    this.#columns = columns;
    return columns;
  }

  /**
   * The plugin facts of sensor rows (`rows`, batch rows): their channel values, and the derived
   * facts computed on them with the reading fields (value, previous, ...) NaN: a sensor row has
   * no register value. Returned columns are indexed like `rows`.
   */
  buildSensorRows(batch: ReadingBatch, rows: readonly number[]): Record<string, Float64Array> {
    const m = rows.length;
    const nan = () => new Float64Array(m).fill(Number.NaN);
    const columns: Record<string, Float64Array> = { value: nan(), previous: nan(), consumption: nan(), days: nan(), daily: nan() };
    for (const name of this.#channels) columns[name] = nan();
    const s = batch.sensors;
    if (s !== undefined && s.length > 0) {
      const at = new Map<number, number>(rows.map((row, i) => [row, i]));
      for (let k = 0; k < s.length; k++) {
        const i = at.get(s.row[k]);
        if (i !== undefined) columns[this.#channels[s.channel[k]]][i] = s.value[k];
      }
    }
    for (const fact of this.#facts) computeLocated(fact, columns, m, batch, (i) => rows[i]);
    return columns;
  }

  /** Puts the plugin facts of index i of `columns` on a facts object (NaN as null); every plugin fact is set. */
  assignFrom(facts: Record<string, unknown>, columns: Readonly<Record<string, Float64Array>>, i: number): void {
    for (const name of this.names) {
      const v = columns[name]?.[i];
      facts[name] = v === undefined || v !== v ? null : v;
    }
  }

  /** Puts row i's plugin facts that rules use on a facts object (NaN as null), for row-by-row rules. */
  assign(facts: Record<string, unknown>, i: number): void {
    for (const name of this.#used) {
      const v = this.#columns[name]?.[i];
      facts[name] = v === undefined || v !== v ? null : v;
    }
  }

  /** Sets every plugin fact to null (a reading without them: late readings, the initial facts object). */
  clear(facts: Record<string, unknown>): void {
    for (const name of this.names) facts[name] = null;
  }
}

/**
 * computeFact, and when the fact fails, the first reading it fails on named in the error (a fact's
 * row comes from its row alone, so the rows are computed one at a time to find it; only on this
 * error path): "... (first at meter P-1, line 3)".
 */
function computeLocated(fact: RegisteredFact, columns: Record<string, Float64Array>, m: number, batch: ReadingBatch, rowOf: (i: number) => number): void {
  try {
    computeFact(fact, columns, m);
  } catch (error) {
    if (!(error instanceof PluginError) || error.code !== "MF_ERR_PLUGIN_FACT") throw error;
    const prefix = `[plugin ${error.plugin}] ${error.hook}: `;
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    for (let i = 0; i < m; i++) {
      const one: Record<string, Float64Array> = {};
      for (const name of fact.reads) if (Object.hasOwn(columns, name)) one[name] = columns[name].slice(i, i + 1);
      try {
        computeFact(fact, one, 1);
      } catch {
        const row = rowOf(i);
        throw new PluginError("MF_ERR_PLUGIN_FACT", error.plugin, error.hook,
          `${message} (first at meter ${batch.meters.idOf(batch.meter[row])}, line ${batch.line[row]})`, { cause: error.cause ?? error });
      }
    }
    throw error;
  }
}
