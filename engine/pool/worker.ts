// A decision thread of the pool (piscina): loads the plugins, compiles the rules and instantiates
// the WebAssembly kernel once, then decides each slice it is handed (engine/decide/decide.ts,
// no I/O) and returns what the decision produced.
import { parentPort, workerData } from "node:worker_threads";
import { createConsumptionKernel } from "../consumption/index.js";
import { BatchDecider } from "../decide/decide.js";
import type { DecideOutput } from "../decide/decide.js";
import { SensorStage } from "../decide/sensors.js";
import { channelRanges } from "../ingest/ranges.js";
import { scopedThresholds } from "../plugins/index.js";
import { createFacts } from "../rules/facts.js";
import { loadDecisionSetup } from "../runtime/decision-setup.js";
import type { DecisionSetupOptions } from "../runtime/decision-setup.js";
import { parseTimeZone, useTimeZone } from "../time/index.js";
import { ThresholdTracker } from "../../sdk/thresholds.js";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { threadFailure } from "./thread-error.js";
import { THREAD_LOADED } from "./threads.js";
import { fromTask, ownBuffers } from "./transfer.js";
import type { SliceTask } from "./transfer.js";

interface Thread {
  decider: BatchDecider;
  tracker: ThresholdTracker | undefined;
}

let thread: Promise<Thread> | undefined;

async function start(options: DecisionSetupOptions): Promise<Thread> {
  useTimeZone(parseTimeZone(options.timeZone ?? "UTC"));
  const { plugins, pluginFacts, rules } = await loadDecisionSetup(options);
  await plugins.setup();
  const facts = createFacts();
  pluginFacts.clear(facts as Record<string, unknown>);
  const tracker = plugins.channels.length > 0 ? new ThresholdTracker(scopedThresholds(plugins)) : undefined;
  const sensors = tracker === undefined ? undefined : { stage: new SensorStage(plugins.channels, channelRanges(plugins.channels), tracker), tracker };
  const decider = new BatchDecider({ kernel: createConsumptionKernel({ implementation: "auto" }), rules, facts, pluginFacts, sensors });
  return { decider, tracker };
}

/** An output handed back with its columns transferred, not copied (piscina's Transferable). */
class Handover {
  readonly #value: DecideOutput;
  readonly #buffers: ArrayBuffer[];
  constructor(value: DecideOutput, buffers: ArrayBuffer[]) {
    this.#value = value;
    this.#buffers = buffers;
  }
  get [transferableSymbol](): ArrayBuffer[] {
    return this.#buffers;
  }
  get [valueSymbol](): DecideOutput {
    return this.#value;
  }
}

/**
 * Decides one slice. The thread's tracker holds exactly the task's episodes while it decides.
 * An error (of the decision, or of loading the thread's plugins and rules) is answered as a
 * ThreadFailure, which the pool throws again with its code.
 * The new state (this thread's copy of the task's) and the ledger entries (made for this
 * decision) are handed back: nothing here reads them again.
 */
export default async function decide(task: SliceTask): Promise<unknown> {
  try {
    const { decider, tracker } = await (thread ??= start(workerData as DecisionSetupOptions));
    tracker?.restore(task.episodes ?? { version: 1, states: [] });
    const { episodes: _, ...input } = fromTask(task);
    const output = decider.decide(input);
    return move(new Handover(output, ownBuffers(output.state, output.history)));
  } catch (error) {
    // Handed back as a value: thrown, it would cross without its code (thread-error.ts).
    return threadFailure(error);
  }
}

// Loaded: the pool may end this thread from now on (threads.ts, THREAD_LOADED). Said on the next
// turn, once piscina's require() of this module has returned (ended between this module's
// evaluation and require's return, Node 20 still aborts: ModuleWrap::CreateRequiredModuleFacade).
setImmediate(() => parentPort?.postMessage(THREAD_LOADED));
