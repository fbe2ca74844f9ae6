// Wire batches as messages: subject, payload and a deterministic `Nats-Msg-Id` (a SHA-256 of
// the partition and the payload: the same rows from the same file give the same id, and the
// stream's duplicate window drops a second publish of them).
import { createHash } from "node:crypto";
import { sliceBatch } from "./batcher.js";
import { readingsSubject } from "./subjects.js";
import type { WireBatch } from "./wire.js";
import { encodeBatch } from "./wire.js";

/** A message ready to publish. */
export interface ReadingsMessage {
  subject: string;
  partition: number;
  payload: Uint8Array;
  /** The `Nats-Msg-Id` header. */
  msgId: string;
  /** Readings in the message. */
  rows: number;
}

/** The message id of a partition's payload: hex SHA-256 of "<partition>:" and the payload. */
export function messageId(partition: number, payload: Uint8Array): string {
  return createHash("sha256").update(`${partition}:`).update(payload).digest("hex");
}

/**
 * Encodes a wire batch into one message, or into halves (recursively) when its payload would
 * exceed `maxPayload` bytes; a single row that does not fit is an error.
 */
export function toMessages(batch: WireBatch, maxPayload: number): ReadingsMessage[] {
  const payload = encodeBatch(batch);
  if (payload.length <= maxPayload) {
    return [{ subject: readingsSubject(batch.partition), partition: batch.partition, payload, msgId: messageId(batch.partition, payload), rows: batch.length }];
  }
  if (batch.length <= 1) throw new RangeError(`one reading of ${batch.file} encodes to ${payload.length} bytes, over the server's max payload ${maxPayload}`);
  const half = batch.length >> 1;
  return [...toMessages(sliceBatch(batch, 0, half), maxPayload), ...toMessages(sliceBatch(batch, half, batch.length), maxPayload)];
}
