// A batch that was committed before. If its run finished (or it is this run's), its readings
// are duplicates now. If its run did not finish (killed, failed), this run adopts it: its
// committed outputs (ledger segments, held readings, alerts) go out again, read from the store,
// so the outputs of finished runs hold every reading exactly once; its counts and sensor figures,
// kept with its commit, go into the run's summary.
import { FLAG, flagNames, PULSE_FAULTS } from "../flags/flags.js";
import { createEntries } from "../store/history.js";
import type { CommittedBatch } from "../store/contract.js";
import type { BatchLines } from "./emit.js";
import { emitBatch, isBilled } from "./emit.js";
import type { BatchOutput, HeldOutput } from "../decide/output.js";
import type { HistoryEntries } from "../store/history.js";
import { readCommitted } from "./committed.js";
import type { ProcessorContext } from "./context.js";

/**
 * `faults` (a run's pulse_faults tally) counts each fault of each reading the batch decided, as
 * its decision counted them: one ledger entry (its corrections aside) or one held record per
 * reading. An adopted batch's faults were counted by the run that decided it.
 */
export function countFaults(faults: Map<string, number>, history: HistoryEntries, held: readonly HeldOutput[]): void {
  const add = (flags: number) => {
    if ((flags & PULSE_FAULTS) === 0) return;
    for (const name of flagNames(flags & PULSE_FAULTS)) faults.set(name, (faults.get(name) ?? 0) + 1);
  };
  for (let i = 0; i < history.length; i++) if ((history.flags[i] & FLAG.correction) === 0) add(history.flags[i]);
  for (const h of held) add(h.row.flags);
}

export async function emitCommitted(ctx: ProcessorContext, committed: CommittedBatch | undefined, out: BatchOutput, batchId: string, lines: BatchLines,
  faults?: Map<string, number>): Promise<void> {
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
  // Its sensor figures as its decision counted them (none stored: it had none, or was committed
  // before they were kept).
  const stats = ctx.sensors?.stats;
  if (stats !== undefined && committed.sensors !== undefined) {
    for (const key of Object.keys(stats) as Array<keyof typeof stats>) stats[key] += committed.sensors[key];
  }
  if (faults !== undefined) countFaults(faults, history, held);
  emitBatch(ctx.format, ctx.ws.meters.ids, history, held, out.rejected, lines, ctx.tally, alerts);
  ctx.writer.submit({ kind: "adopt", batchId, runId: ctx.runId, lines: bytesOf(lines) });
}

/** The encoded lines as byte views, for a write job. */
export function bytesOf(lines: BatchLines) {
  return { billing: lines.billing.bytes(), held: lines.held.bytes(), rejected: lines.rejected.bytes(), alerts: lines.alerts.bytes() };
}
