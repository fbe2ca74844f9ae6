// The writing side of the pipeline: commits a batch to the store, then writes its output
// lines (encoding its billing rows when they come staged). Runs in the main thread (used
// directly) or in its own thread (writer-worker.ts), where SQLite's writes overlap with the
// computation of the next batch.
import type { OutputFiles } from "../sinks/files.js";
import type { Commit, PartitionedStore } from "../store/contract.js";
import type { RowFormatter } from "../sinks/formatter.js";
import { LineBuffer } from "../sinks/line-buffer.js";
import { encodeBilling } from "./billing-rows.js";
import type { StagedBilling } from "./billing-rows.js";

/** A batch's encoded lines per output file. */
export interface EncodedLines {
  billing: Uint8Array;
  held: Uint8Array;
  rejected: Uint8Array;
  alerts: Uint8Array;
}

/**
 * One unit of work for the writer: commit (or adopt) a batch, then write its lines. A commit's
 * `billing`, when staged, is encoded by the writer (after `lines.billing`, then empty).
 */
export type WriteJob =
  | { kind: "commit"; commit: Commit; lines: EncodedLines; billing?: StagedBilling }
  | { kind: "adopt"; batchId: string; runId: number; lines: EncodedLines }
  | { kind: "lines"; lines: EncodedLines };

export class BatchWriter {
  readonly #store: PartitionedStore;
  readonly #files: OutputFiles;
  readonly #format: RowFormatter | undefined;
  readonly #billing = new LineBuffer(false, 1 << 20);

  /** `format` encodes staged billing rows (jobs with `billing` need it). */
  constructor(store: PartitionedStore, files: OutputFiles, format?: RowFormatter) {
    this.#store = store;
    this.#files = files;
    this.#format = format;
  }

  async write(job: WriteJob): Promise<void> {
    if (job.kind === "commit") await this.#store.commit(job.commit);
    else if (job.kind === "adopt") await this.#store.adoptBatch(job.batchId, job.runId);
    // Only once the batch is committed do its lines go out.
    this.#files.append("rejected", job.lines.rejected);
    this.#files.append("billing", job.lines.billing);
    if (job.kind === "commit" && job.billing !== undefined) {
      if (this.#format === undefined) throw new Error("BatchWriter: a job with staged billing rows, and no format to encode them");
      this.#billing.clear();
      encodeBilling(this.#format, job.billing.history, job.billing.rows, this.#billing);
      this.#files.append("billing", this.#billing.bytes());
    }
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
