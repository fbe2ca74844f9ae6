// Runs a job's `meterflow run` off the server's event loop: in a worker thread of its own (the
// compiled package), so deciding and formatting its batches never delays a request, at a lower
// CPU priority (nice) than the event loop, so the server is not starved of CPU either; the
// TypeScript sources (tests) run it on the event loop instead. Either way the job follows its
// JobControl between two batches and writes its progress there.
import { Worker } from "node:worker_threads";
import { runFiles } from "../../runtime/index.js";
import { outputNames, removePartials } from "../../sinks/index.js";
import type { RunSummary } from "../../runtime/index.js";
import { JobCancelled, JobControl } from "./control.js";
import { canStartThread, threadScript } from "../../wasm/paths.js";

/** What a job runs (paths already checked to be under the data directory). */
export interface JobRun {
  db: string;
  inputs: string[];
  out: string;
  meters?: string;
  batchSize?: number;
  config?: string;
  rules?: string[];
  /** SQLite: the server's WriteTurn, whose waiting writes the job's connections let go first. */
  giveWayTo?: SharedArrayBuffer;
}

export type JobCounts = Pick<RunSummary, "in" | "billable" | "held" | "rejected" | "duplicates">;

/** A job that failed: the run's error code (MF_ERR_...) and message. */
export class JobFailed extends Error {
  override name = "JobFailed";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The run itself, on the calling thread: progress into `control`, paused and cancelled between
 * batches; what `meterflow run` would warn about on stderr (the rules' lint, a registry baseline
 * that moves nothing, ...) to `onWarning`.
 */
export async function runControlled(run: JobRun, control: JobControl, onWarning: (message: string) => void = () => undefined): Promise<JobCounts> {
  const positions = new Map<string, number>();
  const summary = await runFiles({
    ...run,
    onWarning,
    inputProgress: {
      // Again from the start when the run starts over (fenced: runFiles decides again).
      begin: (files) => {
        positions.clear();
        control.setBytes(files.reduce((n, f) => n + f.bytes, 0));
      },
      advance: (path, bytes) => {
        positions.set(path, bytes);
        control.setBytesRead([...positions.values()].reduce((n, b) => n + b, 0));
      },
      fileDone: () => undefined,
      end: () => undefined,
    },
    onProgress: async (processed) => {
      control.setProcessed(processed);
      await control.checkpoint();
    },
  });
  control.setProcessed(summary.in);
  return { in: summary.in, billable: summary.billable, held: summary.held, rejected: summary.rejected, duplicates: summary.duplicates };
}

const THREAD = threadScript("./thread.js", import.meta.url, "job-thread");

/** Whether jobs can run in a thread of their own here (only from the compiled package). */
export function canRunInThread(): boolean {
  return canStartThread(THREAD);
}

/** What the job thread answers, once (after any warnings). */
export type ThreadReply = { type: "finished"; counts: JobCounts } | { type: "cancelled" } | { type: "failed"; code: string; message: string };

/** What the job thread posts while it runs: a warning of its run, then its ThreadReply. */
export type ThreadMessage = ThreadReply | { type: "warning"; message: string };

/** What the job thread is given. */
export interface ThreadInput {
  run: JobRun;
  control: SharedArrayBuffer;
  /** The thread's nice value (and so that of the threads its run starts). */
  nice: number;
}

/** How a job runs: `nice` (0 to 19) lowers its threads' CPU priority below the server's event loop. */
export interface JobThreadOptions {
  inThread?: boolean;
  nice?: number;
}

/**
 * Runs the job (in a worker thread where it can): resolves to its counts, rejects with
 * JobCancelled when cancelled between two batches, or JobFailed with the run's code. Its run's
 * warnings go to `onWarning` as they come.
 */
export function runJob(run: JobRun, control: JobControl, options: JobThreadOptions = {}, onWarning: (message: string) => void = () => undefined): Promise<JobCounts> {
  if (!(options.inThread ?? canRunInThread())) return runControlled(run, control, onWarning);
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD, { workerData: { run, control: control.buffer, nice: options.nice ?? 0 } satisfies ThreadInput });
    let reply: ThreadReply | undefined;
    worker.on("message", (m: ThreadMessage) => {
      if (m.type === "warning") onWarning(m.message);
      else reply ??= m;
    });
    let crashed = false;
    worker.once("error", (error) => {
      crashed = reply === undefined;
      reply ??= { type: "failed", code: (error as { code?: string }).code ?? "MF_ERR_API_INTERNAL", message: error.message };
    });
    // Settled once the thread is gone, so a finished job's store connection and files are closed.
    worker.once("exit", (code) => {
      // A thread that died (exited or threw) without answering ran no clean-up of its own.
      if (reply === undefined || crashed) removePartials(run.out, outputNames("csv", run.meters !== undefined));
      if (reply === undefined) reject(new JobFailed("MF_ERR_API_INTERNAL", `the job's thread exited (${code}) without an answer`));
      else if (reply.type === "finished") resolve(reply.counts);
      else if (reply.type === "cancelled") reject(new JobCancelled("cancelled"));
      else reject(new JobFailed(reply.code, reply.message));
    });
  });
}
