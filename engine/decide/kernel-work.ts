// The consumption kernel's work batch: the rows a decider fills for one batch, in WebAssembly
// memory. A decider takes it at the start of its decision (synchronous: no other decision runs
// meanwhile in its thread) and is done with it at the end, so the deciders of one thread can
// share one. A worker keeps a decider per partition it serves (16 by default); each held 65,536
// rows of its own (4.7 MB of fresh memory, ~20 ms of page faults here, per partition).
import type { ConsumptionBatch, ConsumptionKernel } from "../consumption/index.js";

/** Rows for runs of up to 64 readings (an operator's release, a manual reading). */
const SMALL = 64;
/** Rows for anything larger (a run's batches are 65,536 readings by default). */
const LARGE = 65_536;

export class KernelWork {
  readonly kernel: ConsumptionKernel;
  #batch: ConsumptionBatch | undefined;

  constructor(kernel: ConsumptionKernel) {
    this.kernel = kernel;
  }

  /**
   * A batch of at least `rows` rows whose input columns the caller writes for rows [0, rows)
   * before computing (what an earlier decision left there is not cleared). Valid until the
   * next `take` or `release`: a decider must not keep it past its decision.
   */
  take(rows: number): ConsumptionBatch {
    const batch = this.#batch;
    if (batch !== undefined && batch.capacity >= rows) return batch;
    if (batch !== undefined) this.kernel.release(batch);
    return (this.#batch = this.kernel.allocate(rows <= SMALL ? SMALL : Math.max(rows, LARGE)));
  }

  /** Gives the rows' WebAssembly memory back (taken again on the next `take`). */
  release(): void {
    if (this.#batch !== undefined) this.kernel.release(this.#batch);
    this.#batch = undefined;
  }
}
