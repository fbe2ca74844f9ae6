// What a decision uses only while it runs: the consumption kernel's work batch (in WebAssembly
// memory), the rules' fact columns, the grouping buffers and the per-row arrays. A decision is
// synchronous (no other decision runs meanwhile in its thread) and leaves nothing here that the
// next one reads before writing it, so the deciders of one thread can share one scratch. A worker
// keeps a decider per partition it serves (16 by default): each had ~11 MB of scratch of its own
// at 65,536 rows (a 5.1 MB kernel batch, 4.3 MB of fact columns for the default rules' 18 facts,
// 1.7 MB of per-row arrays), fresh memory at ~10 us per 4 KiB page to fault in on this machine.
import type { ConsumptionBatch, ConsumptionKernel } from "../consumption/index.js";
import { FactColumns } from "./fact-columns.js";
import { MeterGrouper } from "./group.js";

/** Rows for runs of up to 64 readings (an operator's release, a manual reading). */
const SMALL = 64;
/** Rows for anything larger (a run's batches are 65,536 readings by default). */
const LARGE = 65_536;

const rowsFor = (n: number) => (n <= SMALL ? SMALL : Math.max(n, LARGE));

export class DecisionScratch {
  readonly kernel: ConsumptionKernel;
  /** The fact columns of the columnar rules, by kernel row. */
  readonly facts = new FactColumns();
  /** Orders a batch's rows by meter (buffers sized to the largest working set seen). */
  readonly grouper = new MeterGrouper();
  // Per kernel row (reserve): held (out of the chain), a temp_bad the rules set, the rules that
  // fired (by row, by round position), its round, kernel rows in round order, its hold reasons.
  heldAt = new Uint8Array(0);
  flagged = new Uint8Array(0);
  firedAt = new Uint32Array(0);
  fired = new Uint32Array(0);
  round = new Int32Array(0);
  at = new Int32Array(0);
  reasons: string[] = [];
  // Per batch row (reserveBatch): the row's key or -1, the rows grouped by meter, the chained rows.
  valid = new Int32Array(0);
  order = new Int32Array(0);
  rows = new Int32Array(0);
  #batch: ConsumptionBatch | undefined;

  constructor(kernel: ConsumptionKernel) {
    this.kernel = kernel;
  }

  /**
   * The kernel's work batch with at least `rows` rows; the caller writes every input column of
   * rows [0, rows) before computing (what an earlier decision left there is not cleared). Valid
   * until the next `take` or `release`: a decider must not keep it past its decision.
   */
  take(rows: number): ConsumptionBatch {
    const batch = this.#batch;
    if (batch !== undefined && batch.capacity >= rows) return batch;
    if (batch !== undefined) this.kernel.release(batch);
    return (this.#batch = this.kernel.allocate(rowsFor(rows)));
  }

  /** Room for `m` kernel rows in the per-kernel-row arrays. */
  reserve(m: number): void {
    if (this.heldAt.length >= m) return;
    const size = rowsFor(m);
    this.heldAt = new Uint8Array(size);
    this.flagged = new Uint8Array(size);
    this.firedAt = new Uint32Array(size);
    this.fired = new Uint32Array(size);
    this.round = new Int32Array(size);
    this.at = new Int32Array(size);
    this.reasons = new Array<string>(size).fill("");
  }

  /** Room for `n` batch rows in the per-batch-row arrays. */
  reserveBatch(n: number): void {
    if (this.order.length >= n) return;
    this.order = new Int32Array(n);
    this.rows = new Int32Array(n);
    this.valid = new Int32Array(n);
  }

  /** Gives the kernel batch's WebAssembly memory back (taken again on the next `take`). */
  release(): void {
    if (this.#batch !== undefined) this.kernel.release(this.#batch);
    this.#batch = undefined;
  }
}
