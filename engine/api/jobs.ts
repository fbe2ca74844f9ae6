// Jobs: runs (`meterflow run`) over files under the server's data directory, started by an admin
// and followed over HTTP. A path that leaves the data directory (`..`, an absolute path elsewhere,
// a symbolic link out of it) is refused before anything runs. A job pauses and is cancelled
// between two batches (its onProgress hook waits, or throws): a cancelled job's committed batches
// stay, and the same job run again adopts them (README "Reruns").
import { existsSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { runFiles } from "../runtime/index.js";
import type { RunSummary } from "../runtime/index.js";
import { ApiError } from "./errors.js";

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
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Readings processed so far, and bytes read of the inputs' bytes. */
  processed: number;
  bytes_read: number;
  bytes: number;
  /** Readings per second since it started (paused time included). */
  rate: number | null;
  counts: Pick<RunSummary, "in" | "billable" | "held" | "rejected" | "duplicates"> | null;
  error: { code: string; message: string } | null;
}

class CancelledError extends Error {}

/** `path` (relative to the data directory, or absolute) resolved, refused when it leaves it. */
export function insideDataDir(dataDir: string, path: string, what: string, mustExist: boolean): string {
  const root = realpathSync(dataDir);
  const full = resolve(root, path);
  const within = (p: string) => p === root || p.startsWith(root + sep);
  // The nearest existing ancestor's real path: a symbolic link may not lead out either.
  let probe = full;
  while (!existsSync(probe)) probe = dirname(probe);
  const real = resolve(realpathSync(probe), relative(probe, full));
  if (!within(full) || !within(real) || isAbsolute(relative(root, real)) || relative(root, real).startsWith("..")) {
    throw new ApiError(400, "MF_ERR_API_PATH_OUTSIDE", `${what} ${path} is not under the data directory`);
  }
  if (mustExist && !existsSync(real)) throw new ApiError(400, "MF_ERR_API_INVALID", `${what} ${path} does not exist under the data directory`);
  return real;
}

class Job {
  readonly view: JobView;
  #resume: (() => void) | undefined;
  #pausedUntil: Promise<void> | undefined;
  #cancel = false;
  #started = 0;

  constructor(id: string, by: string, request: JobRequest) {
    this.view = {
      id, status: request.paused ? "paused" : "queued", by, inputs: request.inputs, out: request.out, created_at: new Date().toISOString(),
      started_at: null, finished_at: null, processed: 0, bytes_read: 0, bytes: 0, rate: null, counts: null, error: null,
    };
    if (request.paused) this.pause();
  }

  pause(): void {
    if (this.#pausedUntil !== undefined) return;
    this.#pausedUntil = new Promise((r) => (this.#resume = r));
    if (this.view.status === "running" || this.view.status === "queued") this.view.status = "paused";
  }

  resume(): void {
    const resume = this.#resume;
    this.#pausedUntil = undefined;
    this.#resume = undefined;
    if (this.view.status === "paused") this.view.status = this.#started === 0 ? "queued" : "running";
    resume?.();
  }

  cancel(): void {
    this.#cancel = true;
    this.resume();
    if (this.#started === 0) this.view.status = "cancelled";
  }

  /** Between two batches: waits while paused, throws when cancelled. */
  async #checkpoint(): Promise<void> {
    while (this.#pausedUntil !== undefined) await this.#pausedUntil;
    if (this.#cancel) throw new CancelledError();
  }

  async run(options: { db: string; inputs: string[]; out: string; meters?: string; batchSize?: number; config?: string; rules?: string[] }): Promise<void> {
    while (this.#pausedUntil !== undefined) await this.#pausedUntil;
    if (this.#cancel) return;
    this.#started = performance.now();
    this.view.status = "running";
    this.view.started_at = new Date().toISOString();
    const positions = new Map<string, number>();
    try {
      const summary = await runFiles({
        db: options.db, inputs: options.inputs, out: options.out, meters: options.meters, batchSize: options.batchSize, config: options.config, rules: options.rules,
        onWarning: () => undefined,
        inputProgress: {
          begin: (files) => {
            this.view.bytes = files.reduce((n, f) => n + f.bytes, 0);
          },
          advance: (path, bytes) => {
            positions.set(path, bytes);
            this.view.bytes_read = [...positions.values()].reduce((n, b) => n + b, 0);
          },
          fileDone: () => undefined,
          end: () => undefined,
        },
        onProgress: async (processed) => {
          this.view.processed = processed;
          this.view.rate = processed / Math.max(1e-3, (performance.now() - this.#started) / 1000);
          await this.#checkpoint();
        },
      });
      this.view.processed = summary.in;
      this.view.counts = { in: summary.in, billable: summary.billable, held: summary.held, rejected: summary.rejected, duplicates: summary.duplicates };
      this.view.bytes_read = this.view.bytes;
      this.view.status = "finished";
    } catch (error) {
      if (error instanceof CancelledError || this.#cancel) this.view.status = "cancelled";
      else {
        this.view.status = "failed";
        const e = error as { code?: unknown; message?: string };
        this.view.error = { code: typeof e.code === "string" ? e.code : "MF_ERR_API_INTERNAL", message: e.message ?? String(error) };
      }
    } finally {
      this.view.rate = this.view.processed / Math.max(1e-3, (performance.now() - this.#started) / 1000);
      this.view.finished_at = new Date().toISOString();
    }
  }
}

/** This server's jobs, by id (kept in memory: a restart forgets them; the store keeps their runs). */
export class Jobs {
  readonly #jobs = new Map<string, Job>();
  readonly #db: string | undefined;
  readonly #dataDir: string | undefined;
  readonly #decision: () => { config?: string; rules?: string[] };
  #next = 1;
  /** Jobs run one after another (a run holds the store's run lock). */
  #queue: Promise<void> = Promise.resolve();

  constructor(db: string | undefined, dataDir: string | undefined, decision: () => { config?: string; rules?: string[] }) {
    this.#db = db;
    this.#dataDir = dataDir;
    this.#decision = decision;
  }

  start(by: string, request: JobRequest): JobView {
    if (this.#db === undefined || this.#dataDir === undefined) {
      throw new ApiError(400, "MF_ERR_API_INVALID", "jobs need meterflow serve --data-dir DIR (the only place a job may read and write)");
    }
    const inputs = request.inputs.map((p) => insideDataDir(this.#dataDir!, p, "input", true));
    const out = insideDataDir(this.#dataDir, request.out, "out", false);
    const meters = request.meters === undefined ? undefined : insideDataDir(this.#dataDir, request.meters, "meters", true);
    const id = `job-${this.#next++}`;
    const job = new Job(id, by, request);
    this.#jobs.set(id, job);
    const db = this.#db;
    this.#queue = this.#queue.then(() => job.run({ db, inputs, out, meters, batchSize: request.batchSize, ...this.#decision() }));
    return job.view;
  }

  get(id: string): Job {
    const job = this.#jobs.get(id);
    if (job === undefined) throw new ApiError(404, "MF_ERR_API_NOT_FOUND", `no job ${id}`);
    return job;
  }

  /** Waits for every job queued so far (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#queue;
  }
}
