// `meterflow export`: a store's outputs as files, from what was committed (DESIGN.md "files and
// subjects are written from what was committed"). For each committed batch in commit order, its
// ledger entries become billing.csv rows, its held records held.csv rows, its alerts and rejected
// rows theirs: the same rows, through the same formatter, as `meterflow run` wrote for those
// batches. A cluster's workers commit to PostgreSQL; this is how its billing file is made.
import { MeterflowError } from "../errors.js";
import { FLAG } from "../flags/flags.js";
import { addCounts } from "../decide/output.js";
import type { BatchCounts } from "../decide/output.js";
import { createBatchLines, emitBatch, isBilled, Tally } from "../runtime/emit.js";
import { readCommitted } from "../runtime/committed.js";
import { countFaults } from "../runtime/replay.js";
import { WorkingSet } from "../runtime/working-set.js";
import { createOutputFiles } from "../sinks/files.js";
import type { OutputFormat } from "../sinks/files.js";
import { createFormatter } from "../sinks/formatter.js";
import type { BatchListing, PartitionedStore } from "../store/contract.js";
import type { HistoryEntries } from "../store/history.js";

export interface ExportOptions {
  store: PartitionedStore;
  out: string;
  format?: OutputFormat;
  /** Only batches committed after this batch (its id), or at or after this time (ISO 8601). */
  since?: { batch: string } | { time: string };
}

/** summary.json of an export: the counts `meterflow run` reports, over the exported batches. */
export interface ExportSummary {
  in: number;
  billable: number;
  held: number;
  rejected: number;
  duplicates: number;
  sensor: number;
  corrections: number;
  conservation: string;
  balanced: boolean;
  batches: number;
  /** The exported range: first and last batch (commit order) and their commit times; null when none was new. */
  range: { first: string; last: string; from: string; to: string } | null;
  /**
   * What the next export's `--since` takes: the last batch exported, else the `--since` this one
   * was given, else "" (nothing exported yet: `--since ""` exports from the start, as none does).
   */
  next_since: string;
  alerts: number;
  alert_rules: Record<string, number>;
  held_reasons: Record<string, number>;
  rejected_reasons: Record<string, number>;
  billed_flags: Record<string, number>;
  /** Pulse readings per fault, billed or held (as `meterflow run` counts them). */
  pulse_faults: Record<string, number>;
  rules_versions: string[];
}

const PAGE = 1000;

export async function exportOutputs(options: ExportOptions): Promise<ExportSummary> {
  const { store } = options;
  const format = options.format ?? "csv";
  let afterSeq = 0;
  let since: string | undefined;
  if (options.since !== undefined && "batch" in options.since) afterSeq = await seqOf(store, options.since.batch);
  else if (options.since !== undefined) since = options.since.time;
  const files = createOutputFiles(options.out, format);
  try {
    const formatter = createFormatter(format);
    const tally = new Tally();
    const faults = new Map<string, number>();
    const lines = createBatchLines();
    const total: BatchCounts = { rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, corrections: 0 };
    const versions = new Set<string>();
    let first: BatchListing | undefined;
    let last: BatchListing | undefined;
    let batches = 0;
    for (;;) {
      const page = await store.listBatches({ afterSeq, since, limit: PAGE });
      for (const b of page) {
        // A working set per batch: an export of a whole fleet's history never holds it all.
        const ws = new WorkingSet(store);
        const { history, held, alerts, rejected } = await readCommitted(store, ws, b.batchId);
        emitBatch(formatter, ws.meters.ids, history, held, rejected, lines, tally, alerts);
        countFaults(faults, history, held);
        files.append("rejected", lines.rejected.bytes());
        files.append("billing", lines.billing.bytes());
        files.append("held", lines.held.bytes());
        files.append("alerts", lines.alerts.bytes());
        await files.drain(16 << 20);
        addCounts(total, { ...b.counts, corrections: corrections(history) });
        if (b.rulesVersion !== null) versions.add(b.rulesVersion);
        first ??= b;
        last = b;
        batches++;
      }
      if (page.length < PAGE) break;
      afterSeq = page[page.length - 1].seq;
    }
    const { rows, ...counts } = total;
    const summary: ExportSummary = {
      in: rows, ...counts, conservation: "in = billable + held + rejected + duplicates + sensor",
      balanced: rows === total.billable + total.held + total.rejected + total.duplicates + total.sensor,
      batches, range: first === undefined ? null : { first: first.batchId, last: last!.batchId, from: first.committedAt, to: last!.committedAt },
      next_since: last?.batchId ?? (options.since === undefined ? "" : "batch" in options.since ? options.since.batch : options.since.time),
      alerts: tally.alerts, alert_rules: sorted(tally.alertRules), held_reasons: sorted(tally.held), rejected_reasons: sorted(tally.rejected),
      billed_flags: sorted(tally.flags), pulse_faults: sorted(faults), rules_versions: [...versions],
    };
    await files.close(summary);
    return summary;
  } catch (error) {
    files.abort();
    throw error;
  }
}

async function seqOf(store: PartitionedStore, batchId: string): Promise<number> {
  for (let afterSeq = 0; ;) {
    const page = await store.listBatches({ afterSeq, limit: 10_000 });
    const found = page.find((b) => b.batchId === batchId);
    if (found !== undefined) return found.seq;
    if (page.length < 10_000) throw new ExportError(`no committed batch ${batchId} in the store`);
    afterSeq = page[page.length - 1].seq;
  }
}

/** The correction records among a batch's billed entries (as a run counts them). */
function corrections(h: HistoryEntries): number {
  let n = 0;
  for (let i = 0; i < h.length; i++) if ((h.flags[i] & FLAG.correction) !== 0 && isBilled(h.flags[i], h.held[i], h.billed[i])) n++;
  return n;
}

export class ExportError extends MeterflowError {
  override name = "ExportError";
  constructor(message: string) {
    super("MF_ERR_EXPORT", message);
  }
}

function sorted(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
}
