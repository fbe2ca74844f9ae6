// What a batch produces as it goes through the pipeline, shared by its stages.
import type { ConsumptionKernel } from "../consumption/index.js";
import type { OutputRow, RejectedRow } from "../sinks/types.js";
import type { HistoryEntries } from "../store/history.js";
import type { MeterState } from "../store/state.js";
import type { HeldRow, MeterTable, Store } from "../store/types.js";
import type { AuditRow } from "../store/types.js";
import type { ReadingFacts } from "../rules/facts.js";
import type { Alert, RulesDecider } from "./rules.js";
import type { RowFormatter } from "../sinks/formatter.js";
import type { HeldOutput, Tally } from "./emit.js";
import type { HeldIndex } from "./held-index.js";
import type { HistoryCache } from "./history-cache.js";
import type { WriterClient } from "./writer-client.js";
import type { ChannelRanges } from "../ingest/ranges.js";
import type { PluginFacts } from "./plugin-facts.js";
import type { SensorStage } from "./sensors.js";

/** Counts of one batch; in = billable + held + rejected + duplicates + sensor. */
export interface BatchCounts {
  rows: number;
  billable: number;
  held: number;
  rejected: number;
  duplicates: number;
  /** Sensor rows: channel values only, no register value; checked, never billed. */
  sensor: number;
  /** Correction records among the billable ones. */
  corrections: number;
}

/** What a processor needs; one per run. */
export interface ProcessorContext {
  store: Store;
  meters: MeterTable;
  state: MeterState;
  kernel: ConsumptionKernel;
  /** Where committed batches go (writer.ts): in this thread or in a writer thread. */
  writer: WriterClient;
  /** Formats the output lines of each batch. */
  format: RowFormatter;
  /** Counts for the summary. */
  tally: Tally;
  /** Held readings of the meters touched, to tell exact re-sends. */
  heldIndex?: HeldIndex;
  /** Meters' history for the late path. */
  history: HistoryCache;
  /** The rules that decide, and the facts object they read (reused for every reading). */
  rules: RulesDecider;
  facts: ReadingFacts;
  /** Sensor channels (plugins): thresholds and alerts. Absent: no channels. */
  sensors?: SensorStage;
  /** Physical ranges of the channels, for sensor rows decoded in this thread. */
  ranges?: ChannelRanges;
  /** Facts the plugins add (channel values, derived facts). */
  pluginFacts?: PluginFacts;
  runId: number;
}

/** Shared by the batch's stages: the outputs it produced so far. */
export interface BatchOutput {
  counts: BatchCounts;
  history: HistoryEntries;
  held: HeldRow[];
  /** The same held rows as rows, for the batch's output lines. */
  heldOut: HeldOutput[];
  rejected: RejectedRow[];
  /** Alerts the rules raised. */
  alerts: AlertRow[];
  /** temp_bad flags the rules set, for the audit. */
  audit: AuditRow[];
}

/** An alert for alerts.csv. */
export interface AlertRow extends Alert {
  meterId: string;
  end: number;
}

/**
 * Records a held reading: its decision row, with its held.csv row as JSON. `count` is false
 * for a correction record, which is an output of its own, not an input reading.
 */
export function holdRow(out: BatchOutput, row: OutputRow, reasons: string, count = true): void {
  out.held.push({ readingId: row.readingId, meterId: row.meterId, endDay: row.end, reasons, line: JSON.stringify({ ...row, reasons }) });
  out.heldOut.push({ row, reasons });
  if (count) out.counts.held++;
}
