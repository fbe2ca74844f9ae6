// What a batch produces as it goes through the pipeline, shared by its stages.
import type { ConsumptionKernel } from "../consumption/index.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { PULSE_ROW_COLUMNS, PULSE_ROW_NAMES } from "../ingest/pulse-fields.js";
import { jsonNumber } from "../sinks/json-row.js";
import type { OutputRow, RejectedRow } from "../sinks/types.js";
import type { HistoryEntries } from "../store/history.js";
import type { MeterState } from "../store/state.js";
import type { AuditRecord, HeldPulse, HeldRecord, ReleaseRecord } from "../store/contract.js";
import type { HistoryEntry } from "../store/history.js";
import type { MeterTable } from "../store/meter-table.js";
import type { ReadingFacts } from "../rules/facts.js";
import type { Alert, RulesDecider } from "./rules.js";
import type { DecisionScratch } from "./scratch.js";
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

/** Adds a batch's counts to a total (a stored batch's counts have no `corrections`: 0). */
export function addCounts(total: BatchCounts, k: Omit<BatchCounts, "corrections"> & { corrections?: number }): void {
  total.rows += k.rows;
  total.billable += k.billable;
  total.held += k.held;
  total.rejected += k.rejected;
  total.duplicates += k.duplicates;
  total.sensor += k.sensor;
  total.corrections += k.corrections ?? 0;
}

/** A meter's ledger entries for the late path: one per end day (the latest version), by day; a live list. */
export interface HistoryLookup {
  meter(meter: number): HistoryEntry[];
}

/** The held readings of the batch's meters, to tell an exact re-send; `add` records one held now. */
export interface HeldLookup {
  /** Whether this exact reading (meter, end, value, override: NaN none) is held already. */
  has(meter: number, end: number, value: number, override: number): boolean;
  add(meter: number, end: number, value: number, override: number): void;
  /** The meter's held readings known here, as [end, value, override] triples. */
  entries(meter: number): Array<[number, number, number]>;
}

/** Where a temp_bad flag the rules set goes (it is committed with the batch). */
export interface FlagSink {
  setByRun(meter: number): void;
}

/**
 * What the decision of a batch reads and changes (DESIGN.md "Architecture"): the slice of the
 * batch's meters in memory (registry and state columns by key, their history and held readings,
 * the flags sink), and the thread's compiled kernel, rules and plugin facts. No store, writer or
 * file: the runtime loads the slice before and commits what changed after.
 */
export interface DecideContext {
  meters: MeterTable;
  state: MeterState;
  kernel: ConsumptionKernel;
  /**
   * What a decision uses only while it runs (kernel batch, fact columns, per-row arrays), shared
   * by the deciders of this thread (a worker's partition sessions). Absent: each keeps its own.
   */
  scratch?: DecisionScratch;
  /** The rules that decide, and the facts object they read (reused for every reading). */
  rules: RulesDecider;
  facts: ReadingFacts;
  /** Facts the plugins add (channel values, derived facts). */
  pluginFacts?: PluginFacts;
  /** Sensor channels (plugins): thresholds and alerts. Absent: no channels. */
  sensors?: SensorStage;
  history: HistoryLookup;
  heldIndex: HeldLookup;
  flags: FlagSink;
  /**
   * Held readings of the batch's unknown meters as "meter_id:end:value" (they have no state to
   * count them); the decision adds those it holds. Absent: not tracked.
   */
  unknownHeld?: Set<string>;
  /**
   * Kernel rows decided at a time (decider.ts, RUN_ROWS by default, 4,096); a meter's rows are
   * never split. The outcome is the same for any value: tests decide in runs of a few rows.
   */
  runRows?: number;
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
  /** Released held readings this batch put into the chain (their held records are resolved). */
  released?: ReleaseRecord[];
}

/** A held reading to write: its held.csv row and its reasons. */
export interface HeldOutput {
  row: OutputRow;
  reasons: string;
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
  /** Its pulse columns (pulseOf): a pulse reading's consumption comes from them (pulse_debounced). */
  pulse?: HeldPulse;
}

/** Batch row `row` as it arrived (value, override, source, verification, pulse columns), for its held record. */
export function arrivedOf(batch: ReadingBatch, row: number): ArrivedReading {
  return { value: batch.value[row], override: batch.override[row], source: batch.source[row], verification: batch.verification[row], pulse: pulseOf(batch, row) };
}

/**
 * Records a held reading: its decision row, with its held.csv row as JSON, and the reading as
 * it arrived (by default the row's value, no override, source auto, verification unknown).
 */
export function holdRow(out: BatchOutput, row: OutputRow, reasons: string, reading?: ArrivedReading): void {
  const r = reading ?? { value: row.current, override: Number.NaN, source: 0, verification: 0 };
  out.held.push({
    readingId: row.readingId, meterId: row.meterId, endDay: row.end, reasons, line: heldLine(row, reasons),
    value: r.value, override: r.override, source: r.source, verification: r.verification,
    ...(r.pulse === undefined ? {} : { pulse: r.pulse }),
  });
  out.heldOut.push({ row, reasons });
  out.counts.held++;
}

/**
 * The pulse columns batch row `row` gave (by readings column name; an events day its `day_min`), for its held record;
 * undefined when it gave none. Built only for held rows.
 */
export function pulseOf(batch: ReadingBatch, row: number): HeldPulse | undefined {
  const columns = batch.pulse;
  if (columns === undefined) return undefined;
  let given: Record<string, number> | undefined;
  for (let f = 0; f < PULSE_ROW_COLUMNS.length; f++) {
    const v = columns[PULSE_ROW_COLUMNS[f]][row];
    if (v === v) (given ??= {})[PULSE_ROW_NAMES[f]] = v;
  }
  return given;
}

/**
 * A held reading's stored line: what `JSON.stringify({ ...row, reasons })` gives (parseHeldLine
 * reads it back), written out field by field; a night that holds many readings built them at
 * twice the cost through the spread object.
 */
export function heldLine(row: OutputRow, reasons: string): string {
  return `{"readingId":${JSON.stringify(row.readingId)},"meterId":${JSON.stringify(row.meterId)},"start":${jsonNumber(row.start)},`
    + `"end":${jsonNumber(row.end)},"days":${jsonNumber(row.days)},"previous":${jsonNumber(row.previous)},"current":${jsonNumber(row.current)},`
    + `"consumption":${jsonNumber(row.consumption)},"daily":${jsonNumber(row.daily)},"flags":${jsonNumber(row.flags)},"reasons":${JSON.stringify(reasons)}}`;
}
