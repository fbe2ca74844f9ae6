// Jobs: runs (`meterflow run`) over files under the server's data directory, started by an admin
// and followed over HTTP, one after another (a run holds the store's run lock). A path that leaves
// the data directory (`..`, an absolute path elsewhere, a symbolic link out of it) is refused
// before anything runs.
import { existsSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ApiError } from "../errors.js";
import { Job, jobBatchSize } from "./job.js";
import type { JobRequest, JobView } from "./job.js";
import type { JobThreadOptions } from "./run.js";

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

/** This server's jobs, by id (kept in memory: a restart forgets them; the store keeps their runs). */
export class Jobs {
  readonly #jobs = new Map<string, Job>();
  readonly #db: string | undefined;
  readonly #dataDir: string | undefined;
  readonly #decision: () => { config?: string; rules?: string[] };
  #next = 1;
  /** Jobs run one after another (a run holds the store's run lock). */
  #queue: Promise<void> = Promise.resolve();

  readonly #thread: JobThreadOptions;
  /** SQLite: the server's WriteTurn buffer, given to every job's run (RunOptions.giveWayTo). */
  readonly #giveWayTo: SharedArrayBuffer | undefined;

  constructor(db: string | undefined, dataDir: string | undefined, decision: () => { config?: string; rules?: string[] },
    thread: JobThreadOptions = {}, giveWayTo?: SharedArrayBuffer) {
    this.#db = db;
    this.#dataDir = dataDir;
    this.#decision = decision;
    this.#thread = thread;
    this.#giveWayTo = giveWayTo;
  }

  start(by: string, request: JobRequest): JobView {
    if (this.#db === undefined || this.#dataDir === undefined) {
      throw new ApiError(400, "MF_ERR_API_INVALID", "jobs need meterflow serve --data-dir DIR (the only place a job may read and write)");
    }
    const inputs = request.inputs.map((p) => insideDataDir(this.#dataDir!, p, "input", true));
    const out = insideDataDir(this.#dataDir, request.out, "out", false);
    const meters = request.meters === undefined ? undefined : insideDataDir(this.#dataDir, request.meters, "meters", true);
    const id = `job-${this.#next++}`;
    const job = new Job(id, by, request, jobBatchSize(this.#db));
    this.#jobs.set(id, job);
    const db = this.#db;
    this.#queue = this.#queue.then(() => job.run({ db, inputs, out, meters, batchSize: job.view.batch_size, ...this.#decision(), giveWayTo: this.#giveWayTo }, this.#thread));
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

  /** Cancels every job not ended (the server stops): each stops between two batches, its committed batches kept. */
  async cancelAll(): Promise<void> {
    for (const job of this.#jobs.values()) job.cancel();
    await this.idle();
  }
}
