// Derived facts: synchronous, columnar functions over a batch. A fact declares the columns it
// reads (reading fields such as `consumption`, `daily`, `days`, or sensor channels) and the ones
// it writes (new facts the rules can use); the engine calls `compute` once per batch with
// Float64Array columns of `length` values, NaN where a value is missing. No promise, no
// allocation per value: this runs for every reading.

/**
 * The reading fields a derived fact can read, besides channels and earlier facts' columns: the
 * engine hands these to `compute` for every computed reading (register value, the previous one,
 * consumption, days of the period, daily consumption).
 */
export const FACT_READING_FIELDS: readonly string[] = Object.freeze(["value", "previous", "consumption", "days", "daily"]);

/** Read-only input columns by name. */
export type InputColumns<R extends string> = { readonly [K in R]: Float64Array };

/** Output columns by name, filled with NaN before the call. */
export type OutputColumns<W extends string> = { readonly [K in W]: Float64Array };

/** A derived fact. */
export interface DerivedFactDefinition<R extends string = string, W extends string = string> {
  /** Unique within the plugin. */
  readonly name: string;
  readonly description: string;
  /** Columns read. */
  readonly reads: readonly R[];
  /** Columns written: fact names for the rules, unique across all plugins. */
  readonly writes: readonly W[];
  /**
   * Fills `output` for rows [0, length): row i from row i of `input` only (the rows handed
   * together are a run of a batch's readings, not a meter's, a day's or a file's).
   */
  compute(input: InputColumns<R>, output: OutputColumns<W>, length: number): void;
}

/**
 * Declares a derived fact with its column names checked by the type system: `input` has exactly
 * the `reads` columns, `output` exactly the `writes` columns.
 *
 * @example
 * const dewPoint = defineFact({
 *   name: "dew-point", description: "dew point from temperature and humidity",
 *   reads: ["temperature", "humidity"], writes: ["dew_point"],
 *   compute(input, output, n) {
 *     for (let i = 0; i < n; i++) output.dew_point[i] = input.temperature[i] - (100 - input.humidity[i]) / 5;
 *   },
 * });
 */
export function defineFact<const R extends string, const W extends string>(fact: DerivedFactDefinition<R, W>): DerivedFactDefinition<R, W> {
  return fact;
}
