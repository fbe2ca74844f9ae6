// The writing side of the pipeline: commits a batch to the store, then writes its output
// lines. Runs in the main thread (used directly) or in its own thread (writer-worker.ts), where
// SQLite's writes overlap with the computation of the next batch.
import type { OutputFiles } from "../sinks/files.js";
import type { Commit, PartitionedStore } from "../store/contract.js";

/** A batch's encoded lines per output file. */
export interface EncodedLines {
  billing: Uint8Array;
  held: Uint8Array;
  rejected: Uint8Array;
  alerts: Uint8Array;
}

/** One unit of work for the writer: commit (or adopt) a batch, then write its lines. */
export type WriteJob =
  | { kind: "commit"; commit: Commit; lines: EncodedLines }
  | { kind: "adopt"; batchId: string; runId: number; lines: EncodedLines }
  | { kind: "lines"; lines: EncodedLines };

export class BatchWriter {
  readonly #store: PartitionedStore;
  readonly #files: OutputFiles;

  constructor(store: PartitionedStore, files: OutputFiles) {
    this.#store = store;
    this.#files = files;
  }

  async write(job: WriteJob): Promise<void> {
    if (job.kind === "commit") await this.#store.commit(job.commit);
    else if (job.kind === "adopt") await this.#store.adoptBatch(job.batchId, job.runId);
    // Only once the batch is committed do its lines go out.
    this.#files.append("rejected", job.lines.rejected);
    this.#files.append("billing", job.lines.billing);
    this.#files.append("held", job.lines.held);
    this.#files.append("alerts", job.lines.alerts);
  }

  /** Waits for output writes to come within `limit` bytes per file. */
  drain(limit: number): Promise<void> {
    return this.#files.drain(limit);
  }

  close(summary: object): Promise<void> {
    return this.#files.close(summary);
  }

  abort(): void {
    this.#files.abort();
  }
}
