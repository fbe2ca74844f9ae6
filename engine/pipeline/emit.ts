// A committed batch's outputs, derived from what it committed: billing rows from its history
// entries, held rows from its held records, and its rejected records. The same function serves
// a batch just committed and a batch adopted from a run that died, so both emit the same rows.
import { FLAG } from "../flags/flags.js";
import type { LineBuffer } from "../sinks/line-buffer.js";
import type { OutputRow, RejectedRow, Sinks } from "../sinks/types.js";
import type { HistoryEntries } from "../store/history.js";

/**
 * Whether a history entry goes to billing.csv: a billable reading, or a correction that is
 * billable or takes back what was billed.
 */
export function isBilled(flags: number, held: number, billed: number): boolean {
  return (flags & FLAG.correction) !== 0 ? held === 0 || billed !== 0 : held === 0;
}

/** Writes a batch's rejected, billing and held rows to the sinks. */
export function emitBatch(sinks: Sinks, ids: readonly string[], h: HistoryEntries, heldLines: readonly string[], rejected: readonly RejectedRow[], lines: LineBuffer): void {
  for (const r of rejected) sinks.rejected(r);
  lines.clear();
  for (let i = 0; i < h.length; i++) {
    const flags = h.flags[i];
    if (!isBilled(flags, h.held[i], h.billed[i])) continue;
    const initial = (flags & FLAG.initial) !== 0;
    const days = initial ? 0 : h.end[i] - h.start[i] + 1;
    const consumption = (flags & FLAG.correction) !== 0 ? h.billed[i] : h.consumption[i];
    const k = h.meter[i];
    sinks.encodeBilling(lines, k, ids[k], initial ? Number.NaN : h.start[i], h.end[i], days, h.prev[i], h.value[i],
      consumption, days > 0 ? consumption / days : 0, flags);
  }
  if (lines.length > 0) sinks.appendBilling(lines.bytes());
  for (const line of heldLines) {
    const { reasons, ...row } = JSON.parse(line) as OutputRow & { reasons: string };
    if (row.start === null) row.start = Number.NaN;
    if (row.previous === null) row.previous = Number.NaN;
    sinks.held(row, reasons);
  }
}
