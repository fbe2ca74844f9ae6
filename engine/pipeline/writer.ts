// The writing side of the pipeline: commits a batch to the store, then emits its outputs.
// Runs in the main thread (BatchWriter used directly) or in its own thread (writer-worker.ts),
// where SQLite's writes and the output encoding overlap with the next batch's computation.
import { LineBuffer } from "../sinks/line-buffer.js";
import type { RejectedRow, Sinks } from "../sinks/types.js";
import type { HistoryEntries } from "../store/history.js";
import type { BatchCommit, Store } from "../store/types.js";
import { emitBatch } from "./emit.js";

/** One unit of work for the writer. */
export type WriteJob =
  | { kind: "commit"; commit: BatchCommit; rejected: RejectedRow[] }
  | { kind: "adopt"; batchId: string; runId: number; history: HistoryEntries; heldLines: string[]; rejected: RejectedRow[] }
  | { kind: "rejected"; rejected: RejectedRow[] };

export class BatchWriter {
  readonly #store: Store;
  readonly #sinks: Sinks;
  readonly #ids: readonly string[];
  readonly #lines = new LineBuffer();

  constructor(store: Store, sinks: Sinks, ids: readonly string[]) {
    this.#store = store;
    this.#sinks = sinks;
    this.#ids = ids;
  }

  write(job: WriteJob): void {
    if (job.kind === "commit") {
      this.#store.commit(job.commit);
      emitBatch(this.#sinks, this.#ids, job.commit.history, job.commit.held.map((h) => h.line), job.rejected, this.#lines);
    } else if (job.kind === "adopt") {
      this.#store.adoptBatch(job.batchId, job.runId);
      emitBatch(this.#sinks, this.#ids, job.history, job.heldLines, job.rejected, this.#lines);
    } else {
      for (const r of job.rejected) this.#sinks.rejected(r);
    }
  }

  /** Bytes of output still being written. */
  drain(limit: number): Promise<void> {
    return this.#sinks.drain(limit);
  }

  close(summary: object): Promise<void> {
    return this.#sinks.close(summary);
  }

  abort(): void {
    this.#sinks.abort();
  }
}
