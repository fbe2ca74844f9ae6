// A batch that was committed before. If its run finished (or it is this run's), its readings
// are duplicates now. If its run did not finish (killed, failed), this run adopts it: its
// committed outputs go out again, derived from the store, so the outputs of finished runs hold
// every reading exactly once.
import { FLAG } from "../flags/flags.js";
import { createEntries } from "../store/history.js";
import type { BatchRecord } from "../store/types.js";
import type { BatchLines } from "./emit.js";
import { emitBatch, isBilled, parseHeldLine } from "./emit.js";
import type { BatchOutput, ProcessorContext } from "./output.js";

export function emitCommitted(ctx: ProcessorContext, committed: BatchRecord | undefined, out: BatchOutput, batchId: string, lines: BatchLines): void {
  const counts = out.counts;
  const ids = ctx.meters.ids;
  if (committed === undefined || committed.runStatus === "finished" || committed.runId === ctx.runId) {
    counts.duplicates += counts.rows - counts.rejected;
    emitBatch(ctx.format, ids, createEntries(1), [], out.rejected, lines, ctx.tally);
    ctx.writer.submit({ kind: "lines", lines: bytesOf(lines) });
    return;
  }
  const { history, heldLines } = ctx.store.batchOutputs(batchId);
  for (let i = 0; i < history.length; i++) {
    if ((history.flags[i] & FLAG.correction) !== 0 && isBilled(history.flags[i], history.held[i], history.billed[i])) counts.corrections++;
  }
  counts.billable += committed.billable;
  counts.held += committed.held;
  counts.duplicates += committed.duplicates;
  counts.sensor += committed.sensor;
  emitBatch(ctx.format, ids, history, heldLines.map(parseHeldLine), out.rejected, lines, ctx.tally);
  ctx.writer.submit({ kind: "adopt", batchId, runId: ctx.runId, lines: bytesOf(lines) });
}

/** The encoded lines as byte views, for a write job. */
export function bytesOf(lines: BatchLines) {
  return { billing: lines.billing.bytes(), held: lines.held.bytes(), rejected: lines.rejected.bytes(), alerts: lines.alerts.bytes() };
}
