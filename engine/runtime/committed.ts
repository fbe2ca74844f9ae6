// What a committed batch put out, read back from the store: its ledger entries (meters named by
// their working-set keys), held rows, alerts and rejected rows. A rerun adopting a batch of a run
// that died re-emits them (replay.ts), and `meterflow export` writes them (engine/export).
import type { AlertRow, HeldOutput } from "../decide/output.js";
import type { RejectedRow } from "../sinks/types.js";
import type { PartitionedStore } from "../store/contract.js";
import { createEntries, decodeSegment } from "../store/history.js";
import type { HistoryEntries } from "../store/history.js";
import type { OutputFormat } from "../sinks/files.js";
import { createFormatter } from "../sinks/formatter.js";
import { createBatchLines, emitBatch, parseHeldLine, Tally } from "./emit.js";
import { WorkingSet } from "./working-set.js";
import type { EncodedLines } from "./writer.js";

export interface CommittedOutputs {
  history: HistoryEntries;
  held: HeldOutput[];
  alerts: AlertRow[];
  rejected: RejectedRow[];
}

export async function readCommitted(store: PartitionedStore, ws: WorkingSet, batchId: string): Promise<CommittedOutputs> {
  const { segments, held, alerts, rejected } = await store.batchOutputs(batchId);
  // Segments name meters by bucket slot: their buckets join the working set to name them.
  await ws.loadBuckets(segments.map((s) => s.bucket));
  const history = createEntries();
  for (const segment of segments) {
    const from = history.length;
    decodeSegment(history, segment.data, segment.entries);
    for (let i = from; i < history.length; i++) history.meter[i] = ws.keyAt(segment.bucket, history.meter[i]);
  }
  return {
    history,
    held: held.map((h) => parseHeldLine(h.line)),
    alerts: alerts.map((a) => JSON.parse(a.line) as AlertRow),
    rejected: rejected.map((line) => JSON.parse(line) as RejectedRow),
  };
}

/**
 * A committed batch's output lines in `format` (the worker's `--format`), read back from the
 * store: what a worker publishes again after a crash, byte for byte what it would have published.
 */
export async function committedLines(store: PartitionedStore, batchId: string, format: OutputFormat = "ndjson"): Promise<EncodedLines> {
  const ws = new WorkingSet(store);
  const { history, held, alerts, rejected } = await readCommitted(store, ws, batchId);
  const lines = createBatchLines();
  emitBatch(createFormatter(format), ws.meters.ids, history, held, rejected, lines, new Tally(), alerts);
  return { billing: lines.billing.bytes().slice(), held: lines.held.bytes().slice(), rejected: lines.rejected.bytes().slice(), alerts: lines.alerts.bytes().slice() };
}
