// Jobs of the control API: runs over files under the data directory, each off the server's event loop.
export { JobCancelled, JobControl } from "./control.js";
export { Job, JOB_BATCH_SIZE, jobBatchSize } from "./job.js";
export type { JobRequest, JobStatus, JobView } from "./job.js";
export { insideDataDir, Jobs } from "./jobs.js";
export { canRunInThread, JobFailed, runControlled, runJob } from "./run.js";
export type { JobCounts, JobRun, JobThreadOptions } from "./run.js";
