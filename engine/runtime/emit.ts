// A committed batch's outputs, derived from what it commits: billing rows from its history
// entries, held rows from its held records, and its rejected records. The same function serves
// a batch being committed and a batch adopted from a run that died, so both give the same rows.
import { FLAG } from "../flags/flags.js";
import { readingId } from "../sinks/format.js";
import type { RowFormatter } from "../sinks/formatter.js";
import { LineBuffer } from "../sinks/line-buffer.js";
import type { OutputRow, RejectedRow } from "../sinks/types.js";
import type { HistoryEntries } from "../store/history.js";
import { inReadingOrder } from "../store/held-order.js";
import type { AlertRow, HeldOutput } from "../decide/output.js";
import { createBillingRows, encodeBilling, stageRow } from "./billing-rows.js";
import type { BillingRows } from "./billing-rows.js";
import type { MeterIds } from "./meter-ids.js";

/**
 * Whether a history entry goes to billing.csv: a billable reading, or a correction that is
 * billable or takes back what was billed.
 */
export function isBilled(flags: number, held: number, billed: number): boolean {
  return (flags & FLAG.correction) !== 0 ? held === 0 || billed !== 0 : held === 0;
}

/** A batch's encoded output lines, per file. */
export interface BatchLines {
  billing: LineBuffer;
  held: LineBuffer;
  rejected: LineBuffer;
  alerts: LineBuffer;
}

/** Empty line buffers (shared ones can be posted to a writer thread without a copy). */
export function createBatchLines(shared = false, billingBytes = 1 << 22): BatchLines {
  return { billing: new LineBuffer(shared, billingBytes), held: new LineBuffer(shared), rejected: new LineBuffer(shared), alerts: new LineBuffer(shared) };
}

/** What a run's summary counts by name: held reasons, rejection reasons, billed flags. */
export class Tally {
  readonly held = new Map<string, number>();
  alerts = 0;
  /** Alerts per rule (a rule's name, `<plugin>/<threshold>`, or `range/<channel>`). */
  readonly alertRules = new Map<string, number>();
  readonly rejected = new Map<string, number>();
  readonly #flags = new Map<number, number>();

  billed(flags: number): void {
    if (flags !== 0) add(this.#flags, flags);
  }

  /** Billed records per flag name. */
  get flags(): Map<string, number> {
    const byName = new Map<string, number>();
    for (const [mask, n] of this.#flags) {
      for (const [name, bit] of Object.entries(FLAG)) if ((mask & bit) !== 0) byName.set(name, (byName.get(name) ?? 0) + n);
    }
    return byName;
  }
}

function add<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

const scratch = createBillingRows();

/**
 * Formats a batch's rejected, billing and held rows into `out` (cleared first), counting them in
 * `tally`. Given `staged`, its billing rows are staged there instead (cleared first), for a
 * writer to encode (billing-rows.ts), and `out.billing` stays empty.
 */
export function emitBatch(format: RowFormatter, ids: MeterIds, h: HistoryEntries, held: readonly HeldOutput[],
  rejected: readonly RejectedRow[], out: BatchLines, tally: Tally, alerts: readonly AlertRow[] = [], staged?: BillingRows): void {
  out.billing.clear();
  out.held.clear();
  out.rejected.clear();
  out.alerts.clear();
  for (const a of alerts) {
    format.alert(out.alerts, a);
    tally.alerts++;
    add(tally.alertRules, a.rule);
  }
  for (const r of rejected) {
    format.rejected(out.rejected, r);
    add(tally.rejected, r.reason);
  }
  const rows = staged ?? scratch;
  stageEntries(format, ids, h, rows, out, tally);
  if (staged === undefined) encodeBilling(format, h, rows, out.billing);
  // In reading-id order, as the store keeps them (store/held-order.ts): read back, they come out the same.
  for (const { row, reasons } of inReadingOrder(held, heldOutputId)) {
    format.held(out.held, row, reasons);
    for (const r of reasons.split("|")) add(tally.held, r);
  }
}

/**
 * The ledger's billed entries staged in `rows`, baselines held `initial` as held lines. A loop of
 * its own: compiled on the spot inside emitBatch (on-stack replacement), the code after it, not
 * run by then, left emitBatch's compiled code in 10 of the nightly's 16 batches (--trace-deopt).
 */
function stageEntries(format: RowFormatter, ids: MeterIds, h: HistoryEntries, rows: BillingRows, out: BatchLines, tally: Tally): void {
  rows.count = 0;
  for (let i = 0; i < h.length; i++) {
    const flags = h.flags[i];
    if (isBilled(flags, h.held[i], h.billed[i])) {
      stageRow(rows, i, ids, h.meter[i]);
      tally.billed(flags);
    } else if ((flags & FLAG.initial) !== 0 && h.held[i] !== 0 && (flags & FLAG.correction) === 0) {
      // A baseline held `initial`: its held.csv row.
      const id = ids.get(h.meter[i]);
      format.held(out.held, {
        readingId: readingId(id, h.end[i]), meterId: id, start: Number.NaN, end: h.end[i], days: 0,
        previous: h.prev[i], current: h.value[i], consumption: h.consumption[i], daily: 0, flags,
      }, "initial");
      add(tally.held, "initial");
    }
  }
}

const heldOutputId = (h: HeldOutput): string => h.row.readingId;

/** A held row as the store keeps it (JSON, see holdRow), back as a row. */
export function parseHeldLine(line: string): HeldOutput {
  const { reasons, ...row } = JSON.parse(line) as OutputRow & { reasons: string };
  if (row.start === null) row.start = Number.NaN;
  if (row.previous === null) row.previous = Number.NaN;
  return { row, reasons };
}
