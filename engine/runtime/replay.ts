// A batch that was committed before. If its run finished (or it is this run's), its readings
// are duplicates now. If its run did not finish (killed, failed), this run adopts it: its
// committed outputs (ledger segments, held readings, alerts) go out again, read from the store,
// so the outputs of finished runs hold every reading exactly once.
import { FLAG } from "../flags/flags.js";
import { createEntries, decodeSegment } from "../store/history.js";
import type { CommittedBatch } from "../store/contract.js";
import type { BatchLines } from "./emit.js";
import { emitBatch, isBilled, parseHeldLine } from "./emit.js";
import type { AlertRow, BatchOutput } from "../decide/output.js";
import type { ProcessorContext } from "./context.js";

export async function emitCommitted(ctx: ProcessorContext, committed: CommittedBatch | undefined, out: BatchOutput, batchId: string, lines: BatchLines): Promise<void> {
  const counts = out.counts;
  if (committed === undefined || committed.runStatus === "finished" || committed.runId === ctx.runId) {
    counts.duplicates += counts.rows - counts.rejected;
    emitBatch(ctx.format, ctx.ws.meters.ids, createEntries(1), [], out.rejected, lines, ctx.tally);
    ctx.writer.submit({ kind: "lines", lines: bytesOf(lines) });
    return;
  }
  const { segments, held, alerts } = await ctx.store.batchOutputs(batchId);
  // Segments name meters by bucket slot: their buckets join the working set to name them.
  await ctx.ws.loadBuckets(segments.map((s) => s.bucket));
  const history = createEntries();
  for (const segment of segments) {
    const from = history.length;
    decodeSegment(history, segment.data, segment.entries);
    for (let i = from; i < history.length; i++) history.meter[i] = ctx.ws.keyAt(segment.bucket, history.meter[i]);
  }
  for (let i = 0; i < history.length; i++) {
    if ((history.flags[i] & FLAG.correction) !== 0 && isBilled(history.flags[i], history.held[i], history.billed[i])) counts.corrections++;
  }
  counts.billable += committed.counts.billable;
  counts.held += committed.counts.held;
  counts.duplicates += committed.counts.duplicates;
  counts.sensor += committed.counts.sensor;
  emitBatch(ctx.format, ctx.ws.meters.ids, history, held.map((h) => parseHeldLine(h.line)), out.rejected, lines, ctx.tally,
    alerts.map((a) => JSON.parse(a.line) as AlertRow));
  ctx.writer.submit({ kind: "adopt", batchId, runId: ctx.runId, lines: bytesOf(lines) });
}

/** The encoded lines as byte views, for a write job. */
export function bytesOf(lines: BatchLines) {
  return { billing: lines.billing.bytes(), held: lines.held.bytes(), rejected: lines.rejected.bytes(), alerts: lines.alerts.bytes() };
}
