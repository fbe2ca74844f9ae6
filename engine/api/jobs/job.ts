// One job as GET /v1/jobs/:id shows it: queued (or paused before it started), then its run off the
// server's event loop (run.ts), paused, resumed and cancelled between two batches through its
// JobControl; a cancelled job's committed batches stay, and the same job run again adopts them
// (README "Reruns").
import { isPostgresUrl } from "../../store/open.js";
import { JobCancelled, JobControl } from "./control.js";
import { runJob } from "./run.js";
import type { JobCounts, JobRun, JobThreadOptions } from "./run.js";

export type JobStatus = "queued" | "running" | "paused" | "finished" | "failed" | "cancelled";

export interface JobRequest {
  inputs: string[];
  out: string;
  meters?: string;
  batchSize?: number;
  /** Created paused: it starts when resumed. */
  paused?: boolean;
}

export interface JobView {
  id: string;
  status: JobStatus;
  by: string;
  inputs: string[];
  out: string;
  /** Readings per batch (and per commit): the request's, or the store's default (jobBatchSize). */
  batch_size: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Readings processed so far, and bytes read of the inputs' bytes. */
  processed: number;
  bytes_read: number;
  bytes: number;
  /** Readings per second since it started (paused time included). */
  rate: number | null;
  counts: JobCounts | null;
  error: { code: string; message: string } | null;
  /** What `meterflow run` would have warned about on stderr (the rules' lint, a registry baseline that moves nothing, ...), as they came. */
  warnings: string[];
}

/**
 * A job's readings per batch unless its request says otherwise, by store: an eighth of `meterflow
 * run`'s 65,536 on SQLite, a quarter on PostgreSQL. On SQLite an operator's write (a temp_bad
 * change, a manual reading) waits for the job's commit in progress (the server and its jobs take
 * turns, engine/store/sqlite/write-turn.ts, so it waits for that one commit only), and a commit's
 * time follows the buckets it rewrites: a routed batch of 65,536 readings rewrites every bucket of
 * its partition (256 on a 1M-meter state, 20-100 ms beside requests). At 16,384 a commit took
 * 20-50 ms beside requests on a state of 19M readings (its WAL writes, pages of 64 KiB), and an
 * operator's write waited up to that: p99 52.6 ms; at 8,192, 33.7 ms, for a job 10-20% slower
 * (README "Control API"). PostgreSQL has no single writer: its jobs keep 16,384.
 */
export const JOB_BATCH_SIZE = { sqlite: 8_192, postgres: 16_384 } as const;

/** A job's default batch size on the store `db` names. */
export function jobBatchSize(db: string | undefined): number {
  return db !== undefined && isPostgresUrl(db) ? JOB_BATCH_SIZE.postgres : JOB_BATCH_SIZE.sqlite;
}

const ENDED: ReadonlySet<JobStatus> = new Set(["finished", "failed", "cancelled"]);

export class Job {
  readonly #control = new JobControl();
  readonly #view: Omit<JobView, "processed" | "bytes_read" | "bytes" | "rate">;
  /** Set once the job ended: its figures then, no longer read from the control. */
  #final: Pick<JobView, "processed" | "bytes_read" | "bytes" | "rate"> | undefined;
  #started = 0;
  #resumed: (() => void) | undefined;

  /** `batchSize`: readings per batch unless the request says (jobBatchSize of the store). */
  constructor(id: string, by: string, request: JobRequest, batchSize: number) {
    this.#view = {
      id, status: request.paused ? "paused" : "queued", by, inputs: request.inputs, out: request.out,
      batch_size: request.batchSize ?? batchSize, created_at: new Date().toISOString(),
      started_at: null, finished_at: null, counts: null, error: null, warnings: [],
    };
    if (request.paused) this.#control.pause();
  }

  get view(): JobView {
    const live = this.#final ?? (() => {
      const f = this.#control.figures;
      return { processed: f.processed, bytes_read: f.bytesRead, bytes: f.bytes, rate: this.#started === 0 ? null : this.#rate(f.processed) };
    })();
    return { ...this.#view, warnings: [...this.#view.warnings], ...live };
  }

  get ended(): boolean {
    return ENDED.has(this.#view.status);
  }

  pause(): void {
    if (this.ended) return;
    this.#control.pause();
    if (this.#control.paused) this.#view.status = "paused";
  }

  resume(): void {
    if (this.ended) return;
    this.#control.resume();
    if (this.#view.status === "paused") this.#view.status = this.#started === 0 ? "queued" : "running";
    this.#resumed?.();
  }

  cancel(): void {
    if (this.ended) return;
    this.#control.cancel();
    this.#resumed?.();
    if (this.#started === 0) this.#end("cancelled");
  }

  /** Runs the job once every job before it ended (Jobs queues them); waits first while it is paused. */
  async run(run: JobRun, options: JobThreadOptions = {}): Promise<void> {
    while (this.#control.paused) await new Promise<void>((resolve) => (this.#resumed = resolve));
    this.#resumed = undefined;
    if (this.#control.cancelled) return;
    this.#started = performance.now();
    this.#view.status = "running";
    this.#view.started_at = new Date().toISOString();
    try {
      this.#view.counts = await runJob(run, this.#control, options, (message) => this.#view.warnings.push(message));
      this.#end("finished");
    } catch (error) {
      if (error instanceof JobCancelled || this.#control.cancelled) this.#end("cancelled");
      else {
        const e = error as { code?: unknown; message?: string };
        this.#view.error = { code: typeof e.code === "string" ? e.code : "MF_ERR_API_INTERNAL", message: e.message ?? String(error) };
        this.#end("failed");
      }
    }
  }

  #rate(processed: number): number {
    return processed / Math.max(1e-3, (performance.now() - this.#started) / 1000);
  }

  #end(status: "finished" | "failed" | "cancelled"): void {
    const f = this.#control.figures;
    const bytesRead = status === "finished" ? f.bytes : f.bytesRead;
    this.#final = { processed: f.processed, bytes_read: bytesRead, bytes: f.bytes, rate: this.#started === 0 ? null : this.#rate(f.processed) };
    this.#view.status = status;
    this.#view.finished_at = new Date().toISOString();
  }
}
