// A batch's slice cut out of the run's working set, for the decision as a function
// (engine/decide/decide.ts): the registry and state columns of exactly the batch's meters under
// dense slice keys, their history (meters with late readings) and held readings; and the
// decision's output put back (state, ledger keys, held readings, flags). What a worker thread
// will be handed as buffers.
import type { DecideInput, DecideOutput } from "../decide/decide.js";
import { renumber } from "../decide/renumber.js";
import { noHeld } from "../decide/slice.js";
import type { HeldColumns } from "../decide/slice.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { appendEntry, createEntries } from "../store/history.js";
import { IdList } from "../store/meter-table.js";
import type { CodedStrings, MeterIdColumn, MeterTable } from "../store/meter-table.js";
import { createState, lateUntil, STATE_FIELDS } from "../store/state.js";
import type { ProcessorContext } from "./context.js";
import { MeterIds } from "./meter-ids.js";

const NUMERIC = ["scale", "reset", "digits", "mode", "pulseWeight", "pulseInput", "pulseWidthMs", "qmax",
  "noPulseDays", "debounceMs", "baseValue", "baseEnd"] as const;

/** A slice and the working-set key of each of its keys. */
export interface Slice {
  input: DecideInput;
  /** Slice key -> working-set key. */
  wsKeys: Int32Array;
}

/** Cuts the slice of a batch whose meters are loaded (`keys`: working-set keys per row). */
export function sliceOf(ctx: ProcessorContext, batch: ReadingBatch, keys: Int32Array): Slice {
  const { meters, state, history, heldIndex } = ctx;
  const { local, order: wsKeys } = renumber(keys, batch.length, meters.size);
  const m = wsKeys.length;
  // The ids as bytes (a working set's, as a rule): the slice makes no string per meter.
  const ids: MeterIdColumn = meters.ids instanceof MeterIds ? meters.ids.gather(wsKeys) : new IdList(Array.from(wsKeys, (k) => meters.ids.get(k)));
  const columns: Record<string, unknown> = { size: m, ids };
  // The decision names meters by key; a key by id is built only if something asks.
  let keyOf: Map<string, number> | undefined;
  Object.defineProperty(columns, "keyOf", {
    get: () => (keyOf ??= new Map(Array.from({ length: m }, (_, l) => [ids.get(l), l]))), enumerable: true,
  });
  for (const name of NUMERIC) {
    const from = meters[name];
    const to = new (from.constructor as { new (n: number): typeof from })(m);
    for (let l = 0; l < m; l++) to[l] = from[wsKeys[l]];
    columns[name] = to;
  }
  const table = columns as unknown as MeterTable;
  const sliceState = createState(m);
  const typeCodes = new Uint32Array(m);
  const unitCodes = new Uint32Array(m);
  for (let l = 0; l < m; l++) {
    const k = wsKeys[l];
    typeCodes[l] = meters.type.codes[k];
    unitCodes[l] = meters.unit.codes[k];
  }
  // The working set's values (its lists only grow: the codes here stay right).
  const type: CodedStrings = { values: meters.type.values, codes: typeCodes };
  const unit: CodedStrings = { values: meters.unit.values, codes: unitCodes };
  Object.assign(columns, { type, unit });
  // Column by column: one typed array pair per field, not a lookup by name per meter and field.
  for (const [name] of STATE_FIELDS) {
    const from = state[name];
    const to = sliceState[name];
    for (let l = 0; l < m; l++) to[l] = from[wsKeys[l]];
  }
  // History of the meters with late readings; held readings of those that have any.
  const entries = createEntries();
  const late = new Set<number>();
  for (let row = 0; row < batch.length; row++) if (local[row] >= 0 && batch.end[row] <= lateUntil(state, keys[row])) late.add(local[row]);
  for (const l of late) {
    for (const e of history.meter(wsKeys[l])) appendEntry(entries, l, e.end, e.value, e.prev, e.start, e.consumption, e.billed, e.flags, e.held, e.override, e.debounced);
  }
  const held: HeldColumns = noHeld();
  const found: Array<[number, number, number, number]> = [];
  for (let l = 0; l < m; l++) {
    if (!heldIndex.hasEntries(wsKeys[l])) continue;
    for (const [end, value, override] of heldIndex.entries(wsKeys[l])) found.push([l, end, value, override]);
  }
  if (found.length > 0) {
    held.length = found.length;
    held.meter = Int32Array.from(found, (p) => p[0]);
    held.end = Int32Array.from(found, (p) => p[1]);
    held.value = Float64Array.from(found, (p) => p[2]);
    held.override = Float64Array.from(found, (p) => p[3]);
  }
  return { input: { batch, keys: local, meters: table, state: sliceState, history: entries, held, unknownHeld: ctx.unknownHeld }, wsKeys };
}

/** Puts a slice's decision back into the working set: state, ledger keys, held readings, flags. */
export function applySlice(ctx: ProcessorContext, slice: Slice, out: DecideOutput): void {
  const { wsKeys } = slice;
  const { state } = ctx;
  for (const [name] of STATE_FIELDS) {
    const from = out.state[name];
    const to = state[name];
    for (let l = 0; l < wsKeys.length; l++) to[wsKeys[l]] = from[l];
  }
  const h = out.history;
  for (let i = 0; i < h.length; i++) h.meter[i] = wsKeys[h.meter[i]];
  for (const { meter, end, value, override } of out.heldNow) ctx.heldIndex.remember(wsKeys[meter], end, value, override);
  for (const l of out.flagged) ctx.flags.setByRun(wsKeys[l]);
}
