// The run's slice machinery for one working set, for the decision's tests: a batch's buckets
// loaded from a store, its flags applied, its meters' held readings and history read, and a
// decide context over them with the given rules.
import { createConsumptionKernel } from "../../../engine/consumption/index.js";
import { HeldIndex } from "../../../engine/decide/held-index.js";
import type { RulesDecider } from "../../../engine/decide/rules.js";
import type { ReadingBatch } from "../../../engine/ingest/batch.js";
import { createFacts } from "../../../engine/rules/facts.js";
import type { ProcessorContext } from "../../../engine/runtime/context.js";
import { FlagSync } from "../../../engine/runtime/flags.js";
import { HistoryCache } from "../../../engine/runtime/history-cache.js";
import { WorkingSet } from "../../../engine/runtime/working-set.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";

export async function prepareSlice(store: PartitionedStore, batch: ReadingBatch, rules: RulesDecider) {
  const ws = new WorkingSet(store);
  const ids: string[] = [];
  for (let row = 0; row < batch.length; row++) if (batch.meter[row] >= 0) ids.push(batch.meters.idOf(batch.meter[row]));
  await ws.load(ids);
  const keys = Int32Array.from({ length: batch.length }, (_, row) =>
    batch.meter[row] < 0 || batch.reject[row] !== 0 ? -1 : ws.meters.keyOf.get(batch.meters.idOf(batch.meter[row])) ?? -1);
  const history = new HistoryCache(store, ws);
  const heldIndex = new HeldIndex(store, ws.state, ws.meters.ids);
  const flags = new FlagSync(store, ws);
  await flags.apply(keys, batch.length);
  const touched = [...new Set([...keys].filter((k) => k >= 0))];
  await heldIndex.load(touched.filter((k) => heldIndex.needsLoad(k)));
  // Each meter's chain from before its earliest reading in the batch (the runtime asks for late ones only).
  const earliest = new Map<number, number>();
  for (let row = 0; row < batch.length; row++) {
    const k = keys[row];
    if (k >= 0 && !(batch.end[row] >= (earliest.get(k) ?? Infinity))) earliest.set(k, batch.end[row]);
  }
  await history.ensure(earliest);
  const ctx = {
    ws, meters: ws.meters, state: ws.state, kernel: createConsumptionKernel({ implementation: "reference" }), rules, facts: createFacts(),
    history, heldIndex, flags,
  } as unknown as ProcessorContext;
  return { ws, keys, ctx };
}
