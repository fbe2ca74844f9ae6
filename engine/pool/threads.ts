// Whether and how many decision threads, without loading the pool (piscina): a run that decides
// in its own thread asks these and never loads it.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

/** The decision threads' script. */
export const WORKER = new URL("./worker.js", import.meta.url);

/** Whether decisions can run in threads here (only from the compiled package). */
export function canDecideInThreads(): boolean {
  return WORKER.protocol === "file:" && fileURLToPath(WORKER).endsWith(".js") && existsSync(WORKER);
}

/** Default threads: one per core. */
export function defaultThreads(): number {
  return availableParallelism();
}
