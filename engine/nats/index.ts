// NATS JetStream transport: the readings stream, the wire format of its messages, and
// publishing readings files into it (`meterflow publish`). The worker consumes what this writes.
export { PartitionBatcher, sliceBatch } from "./batcher.js";
export { connectNats, maxPayloadOf } from "./connect.js";
export { NatsError } from "./errors.js";
export { messageId, toMessages } from "./messages.js";
export { publishFiles } from "./publish.js";
export { Publisher } from "./publisher.js";
export { rawOf, readingBatchOf, toReadingBatch } from "./reading-batch.js";
export { ensureStream, streamDescription } from "./stream.js";
export { DEFAULT_STREAM, partitionOfSubject, READINGS_PREFIX, READINGS_SUBJECTS, readingsSubject } from "./subjects.js";
export { decodeBatch, encodeBatch, idTable, WIRE_VERSION, wireIds } from "./wire.js";
export { WireMeterIndex } from "./wire-index.js";
export type { BatcherOptions } from "./batcher.js";
export type { ConnectOptions } from "./connect.js";
export type { NatsErrorCode } from "./errors.js";
export type { ReadingsMessage } from "./messages.js";
export type { PublishOptions, PublishSummary } from "./publish.js";
export type { PublishCounts, PublisherOptions } from "./publisher.js";
export type { ReadingsStream, StreamOptions } from "./stream.js";
export type { WireBatch, WireSensors } from "./wire.js";
