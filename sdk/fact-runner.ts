// Runs one derived fact over a batch's columns: the same code for PluginRegistry.runFacts and
// the conformance suite. Input columns the batch lacks are NaN-filled; output columns start
// NaN-filled and join the batch only when compute returns. Both column maps are frozen, so a
// fact cannot add a column it did not declare (ES modules are strict: adding one throws). The
// input columns are copies: a fact that writes into one (capping `consumption`, say) would
// otherwise change what is billed; such a write is an error, found by comparing the copies.
import type { DerivedFactDefinition } from "./facts.js";
import { PluginError } from "./errors.js";

/** A fact with the name of the plugin it came from. */
export interface RegisteredFact extends DerivedFactDefinition {
  readonly plugin: string;
}

/**
 * Computes `fact` over `columns` (each at least `length` long) and adds its output columns to
 * `columns`, replacing any of the same name.
 *
 * @throws PluginError MF_ERR_PLUGIN_FACT (hook `facts:<name>`) when compute throws, returns a promise,
 *   or returns anything but undefined or one of its output columns (what it returns is dropped: a
 *   fact writes into its output columns).
 * @throws RangeError when a column it reads is shorter than `length`.
 * @example
 * const columns = { temperature: Float64Array.of(20), humidity: Float64Array.of(50) };
 * computeFact(registry.facts[0], columns, 1);   // columns.dew_point is now there
 */
export function computeFact(fact: RegisteredFact, columns: Record<string, Float64Array>, length: number): void {
  const input: Record<string, Float64Array> = {};
  for (const name of fact.reads) {
    const column = Object.hasOwn(columns, name) ? columns[name] : undefined;
    if (column !== undefined && column.length < length) {
      throw new RangeError(`column "${name}" has ${column.length} values, fewer than the batch's ${length}`);
    }
    input[name] = column === undefined ? nanColumn(length) : column.slice(0, length);
  }
  const output: Record<string, Float64Array> = {};
  for (const name of fact.writes) output[name] = nanColumn(length);
  Object.freeze(input);
  Object.freeze(output);
  const hook = `facts:${fact.name}`;
  let result: unknown;
  try {
    result = fact.compute(input, output, length);
  } catch (error) {
    throw new PluginError("MF_ERR_PLUGIN_FACT", fact.plugin, hook, `compute threw: ${errorMessage(error)}${replacedColumnHint(fact, error)}`, { cause: error });
  }
  if (isThenable(result)) {
    result.then(undefined, () => undefined); // its rejection is reported here, not as unhandled
    throw new PluginError("MF_ERR_PLUGIN_FACT", fact.plugin, hook, "compute returned a promise: facts are synchronous");
  }
  if (result !== undefined && !Object.values(output).includes(result as Float64Array)) {
    // A fact that returns its values (`return input.daily.map(...)`) would leave its columns NaN,
    // so the rules on them would never fire: what they should hold would be billed. (One of its
    // own output columns is fine: `(input, output) => output.y.fill(0)` wrote in place.)
    const column = fact.writes[0] ?? "<column>";
    throw new PluginError("MF_ERR_PLUGIN_FACT", fact.plugin, hook,
      `compute returned ${kindOf(result)}: what it returns is dropped; it must write each row's value into its output column (output.${column}[i] = ...) and return nothing`);
  }
  for (const name of fact.reads) {
    const column = Object.hasOwn(columns, name) ? columns[name] : undefined;
    const row = column === undefined ? firstNotNaN(input[name], length) : firstDifference(input[name], column, length);
    if (row >= 0) {
      throw new PluginError("MF_ERR_PLUGIN_FACT", fact.plugin, hook,
        `compute wrote into column "${name}", which it reads (row ${row}): a fact writes only the columns of its writes (${fact.writes.join(", ")})`);
    }
  }
  for (const name of fact.writes) columns[name] = output[name] as Float64Array;
}

/** The first row in [0, length) where a and b differ (NaN equals NaN), or -1. */
function firstDifference(a: Float64Array, b: Float64Array, length: number): number {
  for (let i = 0; i < length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && (x === x || y === y)) return i;
  }
  return -1;
}

/** The first row in [0, length) of `a` that is not NaN, or -1 (an input the batch lacks stays NaN). */
function firstNotNaN(a: Float64Array, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] === a[i]) return i;
  return -1;
}

/** A column of `length` NaN values: nothing measured. */
export function nanColumn(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}

/** An error's message for another message. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The fix for `output.x = input.y.map(...)`: the column maps are frozen, so replacing a column
 * throws Node's bare "Cannot assign to read only property 'x'"; "" for any other error.
 */
function replacedColumnHint(fact: RegisteredFact, error: unknown): string {
  const m = error instanceof TypeError ? /^Cannot assign to read only property '([^']+)'/.exec(error.message) : null;
  if (m === null || !fact.writes.includes(m[1] as string)) return "";
  return ` (output.${m[1]} is a column there already, filled with NaN: write each row into it, output.${m[1]}[i] = ..., rather than assigning a new one)`;
}

/** What a value is, for a message: `an array`, `a Float64Array`, `a number (3)`. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  const text = String(value);
  return `a ${typeof value} (${text.length > 40 ? `${text.slice(0, 40)}...` : text})`;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}
