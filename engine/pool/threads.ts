// Whether and how many decision threads, without loading the pool (piscina): a run that decides
// in its own thread asks these and never loads it.
import { availableParallelism } from "node:os";
import { canStartThread, threadScript } from "../wasm/paths.js";

/** The decision threads' script. */
export const WORKER = threadScript("./worker.js", import.meta.url, "decision-thread");

/** Whether decisions can run in threads here (only from the compiled package). */
export function canDecideInThreads(): boolean {
  return canStartThread(WORKER);
}

/** Default threads: one per core. */
export function defaultThreads(): number {
  return availableParallelism();
}

/**
 * What a decision thread posts once its module is loaded (engine/pool/worker.ts). Node 20 aborts
 * the whole process (FATAL ERROR in v8::Module::IsGraphAsync, or an assertion in
 * ModuleWrap::CreateRequiredModuleFacade) when a thread is terminated while piscina is still
 * loading its ES module through require(): a run that failed right after it started its pool
 * did, about once in 30 under load. The pool is closed only once its threads said this.
 */
export const THREAD_LOADED = "meterflow-pool-thread-loaded";
