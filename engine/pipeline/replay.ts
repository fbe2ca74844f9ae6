// A batch that was committed before. If its run finished (or it is this run's), its readings
// are duplicates now. If its run did not finish (killed, failed), this run adopts it: the
// writer emits its committed outputs again from the store, so the outputs of finished runs
// hold every reading exactly once.
import { FLAG } from "../flags/flags.js";
import type { BatchRecord } from "../store/types.js";
import { isBilled } from "./emit.js";
import type { BatchOutput, ProcessorContext } from "./output.js";

export function emitCommitted(ctx: ProcessorContext, committed: BatchRecord | undefined, out: BatchOutput, batchId: string): void {
  const counts = out.counts;
  if (committed === undefined || committed.runStatus === "finished" || committed.runId === ctx.runId) {
    counts.duplicates += counts.rows - counts.rejected;
    ctx.writer.submit({ kind: "rejected", rejected: out.rejected });
    return;
  }
  const { history, heldLines } = ctx.store.batchOutputs(batchId);
  for (let i = 0; i < history.length; i++) {
    if ((history.flags[i] & FLAG.correction) !== 0 && isBilled(history.flags[i], history.held[i], history.billed[i])) counts.corrections++;
  }
  counts.billable += committed.billable;
  counts.held += committed.held;
  counts.duplicates += committed.duplicates;
  ctx.writer.submit({ kind: "adopt", batchId, runId: ctx.runId, history, heldLines, rejected: out.rejected });
}
