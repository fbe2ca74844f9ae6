// The previous layout's synchronous store interface (chunks of 1024 meters by key), kept only
// to write databases of that layout in tests of the conversion (engine/store/sqlite/legacy.ts).
import type { MeterRecord } from "../../../../engine/meters/meter.js";
import type { HistoryEntries } from "../../../../engine/store/history.js";
import type { MeterState, StateChunk } from "../../../../engine/store/state.js";
import type { MeterTable } from "../../../../engine/store/meter-table.js";

/** A committed batch as recorded. */
export interface BatchRecord {
  batchId: string;
  runId: number;
  runStatus: "running" | "finished" | "failed";
  rows: number;
  billable: number;
  held: number;
  rejected: number;
  duplicates: number;
  /** Sensor rows (channel values only). */
  sensor: number;
}

/** A held reading: its decision row, and its held.csv line for re-emission. */
export interface HeldRow {
  readingId: string;
  meterId: string;
  endDay: number;
  reasons: string;
  line: string;
}

/** Everything one batch commits, in one transaction. */
export interface BatchCommit {
  batchId: string;
  runId: number;
  seq: number;
  input: string;
  counts: { rows: number; billable: number; held: number; rejected: number; duplicates: number; sensor?: number };
  /** Accepted readings of the batch (history entries). */
  history: HistoryEntries;
  /** The state of every chunk of meters the batch changed, as it is after the batch. */
  state: StateChunk[];
  held: HeldRow[];
  /** temp_bad flags set while deciding this batch. */
  audit?: AuditRow[];
  /** Version (hash) of the rules that decided the batch. */
  rulesVersion?: string;
}

/** One set or clear of a meter's temp_bad flag. */
export interface AuditRow {
  meterId: string;
  action: "set" | "clear";
  reason: string;
  actor: string;
}

/** A state store. Methods are synchronous: SQLite is embedded; commits are one transaction. */
export interface Store {
  /** Inserts new meters and updates known ones; returns the counts. */
  upsertMeters(meters: readonly MeterRecord[]): { inserted: number; updated: number };
  /** A value of the meta table (e.g. `registry_sha256`), or undefined. */
  meta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /** The registry as columns. */
  meters(): MeterTable;
  /** Per-meter state for every registered meter. */
  loadState(meters: MeterTable): MeterState;
  /** History entries of one meter, ordered by end day, latest version per day. */
  history(meterKey: number): HistoryEntries;
  /** Every version of every entry of a chunk of meters (CHUNK_METERS), in commit order. */
  historyChunk(chunk: number): HistoryEntries;
  /** The held readings of these meters (value as it arrived), to tell an exact re-send. */
  heldOf(meterIds: readonly string[]): Array<{ meterId: string; endDay: number; value: number }>;
  /** The batch if it was committed before. */
  batch(batchId: string): BatchRecord | undefined;
  /** Commits a batch: history, state of touched meters, held rows, batch record. */
  commit(commit: BatchCommit): void;
  /** Billing entries and held lines a batch committed, to re-emit them for a run that adopts it. */
  batchOutputs(batchId: string): { history: HistoryEntries; heldLines: string[] };
  /** Moves a batch to another run (a rerun adopting the batches of a run that did not finish). */
  adoptBatch(batchId: string, runId: number): void;
  startRun(inputs: unknown): number;
  /** Records how a run ended; `inputs` replaces the inputs recorded at its start (hashes known now). */
  finishRun(runId: number, status: "finished" | "failed", summary: unknown, inputs?: unknown): void;
  close(): void;
}
