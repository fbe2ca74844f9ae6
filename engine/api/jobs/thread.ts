// A job's thread (see run.ts): at its nice value, runs the job's `meterflow run` with its own store connection,
// follows the shared JobControl between batches, posts its run's warnings as they come, and
// answers once with counts, cancelled or the run's error.
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { JobCancelled, JobControl } from "./control.js";
import { runControlled } from "./run.js";
import type { ThreadInput, ThreadMessage, ThreadReply } from "./run.js";

const input = workerData as ThreadInput;
// On Linux a nice value is a thread's own (setpriority on the calling thread), inherited by the
// threads the run starts (decoding, writing): the server's event loop keeps its priority.
if (input.nice > 0) {
  try {
    setPriority(input.nice);
  } catch {
    // Not permitted here: the job runs at the server's priority.
  }
}
const control = new JobControl(input.control);
let reply: ThreadReply;
try {
  reply = { type: "finished", counts: await runControlled(input.run, control, (message) => parentPort!.postMessage({ type: "warning", message } satisfies ThreadMessage)) };
} catch (error) {
  const e = error as { code?: unknown; message?: string };
  reply = error instanceof JobCancelled || control.cancelled
    ? { type: "cancelled" }
    : { type: "failed", code: typeof e.code === "string" ? e.code : "MF_ERR_API_INTERNAL", message: e.message ?? String(error) };
}
parentPort!.postMessage(reply);
