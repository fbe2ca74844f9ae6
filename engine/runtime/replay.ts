// A batch that was committed before. If its run finished (or it is this run's), its readings
// are duplicates now. If its run did not finish (killed, failed), this run adopts it: its
// committed outputs (ledger segments, held readings, alerts) go out again, read from the store,
// so the outputs of finished runs hold every reading exactly once.
import { FLAG } from "../flags/flags.js";
import { createEntries } from "../store/history.js";
import type { CommittedBatch } from "../store/contract.js";
import type { BatchLines } from "./emit.js";
import { emitBatch, isBilled } from "./emit.js";
import type { BatchOutput } from "../decide/output.js";
import { readCommitted } from "./committed.js";
import type { ProcessorContext } from "./context.js";

export async function emitCommitted(ctx: ProcessorContext, committed: CommittedBatch | undefined, out: BatchOutput, batchId: string, lines: BatchLines): Promise<void> {
  const counts = out.counts;
  if (committed === undefined || committed.runStatus === "finished" || committed.runId === ctx.runId) {
    counts.duplicates += counts.rows - counts.rejected;
    emitBatch(ctx.format, ctx.ws.meters.ids, createEntries(1), [], out.rejected, lines, ctx.tally);
    ctx.writer.submit({ kind: "lines", lines: bytesOf(lines) });
    return;
  }
  // Its rejected rows come from this run's decoding of the batch (the same rows), the rest from the store.
  const { history, held, alerts } = await readCommitted(ctx.store, ctx.ws, batchId);
  for (let i = 0; i < history.length; i++) {
    if ((history.flags[i] & FLAG.correction) !== 0 && isBilled(history.flags[i], history.held[i], history.billed[i])) counts.corrections++;
  }
  counts.billable += committed.counts.billable;
  counts.held += committed.counts.held;
  counts.duplicates += committed.counts.duplicates;
  counts.sensor += committed.counts.sensor;
  emitBatch(ctx.format, ctx.ws.meters.ids, history, held, out.rejected, lines, ctx.tally, alerts);
  ctx.writer.submit({ kind: "adopt", batchId, runId: ctx.runId, lines: bytesOf(lines) });
}

/** The encoded lines as byte views, for a write job. */
export function bytesOf(lines: BatchLines) {
  return { billing: lines.billing.bytes(), held: lines.held.bytes(), rejected: lines.rejected.bytes(), alerts: lines.alerts.bytes() };
}
