// Workers fed from NATS JetStream (`meterflow worker`): consumers, outputs, the loop.
export { consumerName, ensureConsumers } from "./consumers.js";
export { ensureOutputStream, OUTPUT_CONTENT_TYPES, OUTPUT_KINDS, outputStreamName, outputSubject, publishOutputs } from "./outputs.js";
export { runWorker } from "./worker.js";
export type { WorkerCounts, WorkerFailing, WorkerOptions, WorkerResult } from "./worker.js";
