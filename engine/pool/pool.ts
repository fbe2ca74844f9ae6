// The decision pool (piscina): batches' slices decided in worker threads, each of which loaded
// the plugins, compiled the rules and instantiated the kernel once. Batches of different
// partitions are decided in parallel; the caller keeps one partition's batches in order (it
// waits for a batch's commit before it cuts the next slice of that partition).
import { Piscina } from "piscina";
import type { DecideInput, DecideOutput } from "../decide/decide.js";
import type { DecisionSetupOptions } from "../runtime/decision-setup.js";
import { defaultThreads, WORKER } from "./threads.js";
import { ownBuffers, toTask } from "./transfer.js";

export class DecisionPool {
  readonly threads: number;
  readonly #pool: Piscina;

  /** `setup` names the plugins and rules each thread loads (the same as the caller's). */
  constructor(setup: DecisionSetupOptions, threads = defaultThreads()) {
    this.threads = threads;
    this.#pool = new Piscina({
      filename: WORKER.href, minThreads: threads, maxThreads: threads, workerData: setup,
      // A thread takes one slice at a time: queued slices wait in the pool, not in a thread.
      concurrentTasksPerWorker: 1, idleTimeout: 60_000,
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
    return this.#pool.run(task, { transferList: made }) as Promise<DecideOutput>;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
