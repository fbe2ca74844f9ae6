// A batch that was committed before. If its run finished, its readings are duplicates now. If
// its run did not finish (killed, failed), this run adopts it: its committed outputs are
// emitted again from the store, so the outputs of finished runs hold every reading exactly once.
import { FLAG } from "../flags/flags.js";
import { readingId } from "../sinks/format.js";
import type { OutputRow } from "../sinks/types.js";
import type { BatchRecord } from "../store/types.js";
import type { BatchOutput, ProcessorContext } from "./output.js";

export function emitCommitted(ctx: ProcessorContext, committed: BatchRecord, out: BatchOutput): void {
  const counts = out.counts;
  if (committed.runStatus === "finished" || committed.runId === ctx.runId) {
    counts.duplicates += counts.rows - counts.rejected;
    return;
  }
  const { history, heldLines } = ctx.store.batchOutputs(committed.batchId);
  const ids = ctx.meters.ids;
  for (let i = 0; i < history.length; i++) {
    const flags = history.flags[i];
    const correction = (flags & FLAG.correction) !== 0;
    const billed = history.billed[i];
    if (history.held[i] !== 0 && !(correction && billed !== 0)) continue;
    const initial = (flags & FLAG.initial) !== 0;
    const days = initial ? 0 : history.end[i] - history.start[i] + 1;
    const consumption = correction ? billed : history.consumption[i];
    ctx.sinks.billing({
      readingId: readingId(ids[history.meter[i]], history.end[i]), meterId: ids[history.meter[i]],
      start: initial ? Number.NaN : history.start[i], end: history.end[i], days, previous: history.prev[i],
      current: history.value[i], consumption, daily: days > 0 ? consumption / days : 0, flags,
    });
    if (correction) counts.corrections++;
  }
  for (const line of heldLines) {
    const { reasons, ...row } = JSON.parse(line) as OutputRow & { reasons: string };
    for (const key of ["start", "previous"] as const) if (row[key] === null) row[key] = Number.NaN;
    ctx.sinks.held(row, reasons);
  }
  counts.billable += committed.billable;
  counts.held += committed.held;
  counts.duplicates += committed.duplicates;
  ctx.store.adoptBatch(committed.batchId, ctx.runId);
}
