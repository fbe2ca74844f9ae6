// What a batch produces as it goes through the pipeline, shared by its stages.
import type { ConsumptionKernel } from "../consumption/index.js";
import type { OutputRow, RejectedRow } from "../sinks/types.js";
import type { HistoryEntries } from "../store/history.js";
import type { MeterState } from "../store/state.js";
import type { AuditRecord, HeldRecord, PartitionedStore } from "../store/contract.js";
import type { MeterTable } from "../store/meter-table.js";
import type { CommitBuilder } from "../runtime/commit.js";
import type { EpisodeSync } from "../runtime/episodes.js";
import type { FlagSync } from "../runtime/flags.js";
import type { HistoryCache } from "../runtime/history-cache.js";
import type { WorkingSet } from "../runtime/working-set.js";
import type { ReadingFacts } from "../rules/facts.js";
import type { Alert, RulesDecider } from "./rules.js";
import type { RowFormatter } from "../sinks/formatter.js";
import type { HeldOutput, Tally } from "../runtime/emit.js";
import type { HeldIndex } from "./held-index.js";
import type { WriterClient } from "../runtime/writer-client.js";
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
  store: PartitionedStore;
  /** The meters the run touched: registry and state columns by dense key (the batch's slice is in it). */
  ws: WorkingSet;
  /** The working set's columns (aliases of ws.meters and ws.state). */
  meters: MeterTable;
  state: MeterState;
  kernel: ConsumptionKernel;
  /** Where committed batches go (writer.ts): in this thread or in a writer thread. */
  writer: WriterClient;
  /** Builds each batch's commit (engine/runtime/commit.ts). */
  commits: CommitBuilder;
  /** Operators' flags, read with each batch. */
  flags: FlagSync;
  /** Sensor threshold episodes, read and committed a meter at a time (absent: no thresholds). */
  episodes?: EpisodeSync;
  /** Formats the output lines of each batch. */
  format: RowFormatter;
  /** Counts for the summary. */
  tally: Tally;
  /** Meters' history for the late path. */
  history: HistoryCache;
  /** Held readings of the meters touched, to tell exact re-sends. */
  heldIndex: HeldIndex;
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
  held: HeldRecord[];
  /** The same held rows as rows, for the batch's output lines. */
  heldOut: HeldOutput[];
  rejected: RejectedRow[];
  /** Alerts the rules raised. */
  alerts: AlertRow[];
  /** temp_bad flags the rules set, for the audit. */
  audit: AuditRecord[];
}

/** An alert for alerts.csv. */
export interface AlertRow extends Alert {
  meterId: string;
  end: number;
}

/** The reading as it arrived, kept with a held one so a release can judge it again. */
export interface ArrivedReading {
  value: number;
  override: number;
  source: number;
  verification: number;
}

/**
 * Records a held reading: its decision row, with its held.csv row as JSON, and the reading as
 * it arrived (by default the row's value, no override, source auto, verification unknown).
 */
export function holdRow(out: BatchOutput, row: OutputRow, reasons: string, reading?: ArrivedReading): void {
  const r = reading ?? { value: row.current, override: Number.NaN, source: 0, verification: 0 };
  out.held.push({
    readingId: row.readingId, meterId: row.meterId, endDay: row.end, reasons, line: JSON.stringify({ ...row, reasons }),
    value: r.value, override: r.override, source: r.source, verification: r.verification,
  });
  out.heldOut.push({ row, reasons });
  out.counts.held++;
}
