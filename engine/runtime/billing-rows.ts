// A batch's billing rows between its decision and its lines: which history entries are billed,
// with their meters' ids as UTF-8 bytes. Staging them is cheap (a copy of each id's bytes from
// the working set, runtime/meter-ids.ts); encoding them
// into lines (numbers and dates as text) is not, and needs neither the working set's id strings
// nor the deciding thread: with a writer thread, the lines are encoded there, beside the commit,
// while the main thread decides the next batch (measured on the nightly shape, 1M billing rows:
// encoding was 0.5 s of the main thread's 3.6 s). In shared memory, a stage goes to that thread
// without a copy.
import type { RowFormatter } from "../sinks/formatter.js";
import type { LineBuffer } from "../sinks/line-buffer.js";
import type { HistoryEntries } from "../store/history.js";
import { FLAG } from "../flags/flags.js";
import type { MeterIds } from "./meter-ids.js";

/** The billed entries of a batch's history, in order, each with its meter id's bytes. */
export interface BillingRows {
  count: number;
  /** Per row: its entry in the history. */
  entry: Int32Array;
  /** Per row: where its id's bytes end in `ids` (they start where the row before ends; row 0 at 0). */
  idEnd: Int32Array;
  ids: Uint8Array;
}

/** Billing rows staged with the history they point into: what a writer encodes. */
export interface StagedBilling {
  history: HistoryEntries;
  rows: BillingRows;
}

const allocate = (bytes: number, shared: boolean) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));

/** Empty rows; `shared` keeps them in SharedArrayBuffers (posting them to a thread shares them, also once grown). */
export function createBillingRows(capacity = 1024, shared = false): BillingRows {
  return {
    count: 0,
    entry: new Int32Array(allocate(capacity * 4, shared)),
    idEnd: new Int32Array(allocate(capacity * 4, shared)),
    ids: new Uint8Array(allocate(capacity * 16, shared)),
  };
}

/** Appends entry `entry` billed to the meter of key `key` (its id's bytes copied from `ids`). */
export function stageRow(rows: BillingRows, entry: number, ids: MeterIds, key: number): void {
  const n = rows.count;
  if (n === rows.entry.length) growRows(rows, Math.max(n * 2, 256));
  const at = n === 0 ? 0 : rows.idEnd[n - 1];
  const len = ids.byteLength(key);
  if (at + len > rows.ids.length) growIds(rows, Math.max(rows.ids.length * 2, at + len));
  const end = ids.copyTo(key, rows.ids, at);
  rows.entry[n] = entry;
  rows.idEnd[n] = end;
  rows.count = n + 1;
}

function growRows(rows: BillingRows, capacity: number): void {
  const shared = rows.entry.buffer instanceof SharedArrayBuffer;
  for (const name of ["entry", "idEnd"] as const) {
    const next = new Int32Array(allocate(capacity * 4, shared));
    next.set(rows[name]);
    rows[name] = next;
  }
}

function growIds(rows: BillingRows, bytes: number): void {
  const next = new Uint8Array(allocate(bytes, rows.ids.buffer instanceof SharedArrayBuffer));
  next.set(rows.ids.subarray(0, rows.count === 0 ? 0 : rows.idEnd[rows.count - 1]));
  rows.ids = next;
}

/** Encodes the staged rows as billing lines into `out` (appended). */
export function encodeBilling(format: RowFormatter, h: HistoryEntries, rows: BillingRows, out: LineBuffer): void {
  const { entry, idEnd, ids } = rows;
  let from = 0;
  for (let r = 0; r < rows.count; r++) {
    const i = entry[r];
    const flags = h.flags[i];
    const initial = (flags & FLAG.initial) !== 0;
    const days = initial ? 0 : h.end[i] - h.start[i] + 1;
    // A correction bills what it changes; any other row its consumption.
    const consumption = (flags & FLAG.correction) !== 0 ? h.billed[i] : h.consumption[i];
    format.billing(out, ids, from, idEnd[r], initial ? Number.NaN : h.start[i], h.end[i], days, h.prev[i], h.value[i],
      consumption, days > 0 ? consumption / days : 0, flags);
    from = idEnd[r];
  }
}
