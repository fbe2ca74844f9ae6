// Deciding batches in worker threads (piscina).
export { DecisionPool } from "./pool.js";
export { canDecideInThreads, defaultThreads } from "./threads.js";
export type { BatchColumns, SliceTask } from "./transfer.js";
