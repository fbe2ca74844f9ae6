// Deciding batches in worker threads (piscina).
export { canDecideInThreads, DecisionPool, defaultThreads } from "./pool.js";
export type { BatchColumns, SliceTask } from "./transfer.js";
