// The decision pool (piscina): batches' slices decided in worker threads, each of which loaded
// the plugins, compiled the rules and instantiated the kernel once. Batches of different
// partitions are decided in parallel; the caller keeps one partition's batches in order (it
// waits for a batch's commit before it cuts the next slice of that partition).
import { Piscina } from "piscina";
import type { DecideInput, DecideOutput } from "../decide/decide.js";
import type { DecisionSetupOptions } from "../runtime/decision-setup.js";
import { isThreadFailure, threadError } from "./thread-error.js";
import { defaultThreads, THREAD_LOADED, WORKER } from "./threads.js";
import { ownBuffers, toTask } from "./transfer.js";

/** How long closing waits for threads still loading before it ends them anyway (one that failed to load never says so). */
const LOAD_WAIT_MS = 10_000;

export class DecisionPool {
  readonly threads: number;
  readonly #pool: Piscina;
  /** Every thread has loaded its module (THREAD_LOADED): ending them cannot abort the process. */
  readonly #loaded: Promise<void>;

  /** `setup` names the plugins and rules each thread loads (the same as the caller's). */
  constructor(setup: DecisionSetupOptions, threads = defaultThreads()) {
    this.threads = threads;
    this.#pool = new Piscina({
      filename: WORKER.href, minThreads: threads, maxThreads: threads, workerData: setup,
      // A thread takes one slice at a time: queued slices wait in the pool, not in a thread.
      concurrentTasksPerWorker: 1, idleTimeout: 60_000,
      // Threads wait for tasks on their event loop, not blocked in Atomics.wait: a thread's
      // THREAD_LOADED is posted on the turn after its module is loaded (threads.ts).
      atomics: "disabled",
    });
    let loaded = 0;
    this.#loaded = new Promise<void>((resolve) => {
      const onMessage = (message: unknown) => {
        if (message !== THREAD_LOADED || ++loaded < threads) return;
        this.#pool.off("message", onMessage);
        resolve();
      };
      this.#pool.on("message", onMessage);
    });
  }

  /**
   * Decides `input` in a thread. The columns made for the crossing are transferred, the rest
   * copied; with `handOver` the slice's own columns (registry with its type and unit codes,
   * state, keys, history, held; not the batch's, which the caller keeps) were cut for this call
   * and are transferred too: the caller must not read them afterwards (they are detached).
   */
  decide(input: DecideInput, options: { handOver?: boolean } = {}): Promise<DecideOutput> {
    const task = toTask(input, options.handOver === true);
    const { batch, meters } = task;
    // The registry's ids: packed for the call, or (handOver, utf8) the slice's own.
    const made = ownBuffers(batch.meter, batch.ids.latin1, batch.ids.ends, meters.ids.latin1, meters.ids.utf8, meters.ids.ends,
      ...(options.handOver === true ? [meters, meters.type.codes, meters.unit.codes, input.state, input.keys, input.history, input.held] : []));
    return this.#pool.run(task, { transferList: made }).then((answer: unknown) => {
      if (isThreadFailure(answer)) throw threadError(answer);
      return answer as DecideOutput;
    });
  }

  /** Ends the threads, once they have loaded (see THREAD_LOADED). */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#loaded, new Promise<void>((resolve) => (timer = setTimeout(resolve, LOAD_WAIT_MS)))]);
    clearTimeout(timer);
    await this.#pool.destroy();
  }
}
