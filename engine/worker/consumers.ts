// The worker's consumers: one durable pull consumer per partition of the readings stream
// (`meterflow-p<P>` on `meterflow.readings.<P>`), explicit acks, at most one message in flight
// each. Every worker of a cluster uses the same consumers, so a partition's batches reach one
// worker at a time, in stream order: one meter's readings are decided in order. A worker pulls
// only the partitions it holds a lease on (leases.ts). A worker that dies holding a message lets
// it go after the ack wait; the partition's next owner gets it again.
import type { JetStreamManager } from "@nats-io/jetstream";
import { AckPolicy, DeliverPolicy, JetStreamApiError } from "@nats-io/jetstream";
import { NatsError } from "../nats/errors.js";
import { readingsSubject } from "../nats/subjects.js";

/** The durable consumer of a partition. */
export function consumerName(partition: number): string {
  return `meterflow-p${partition}`;
}

/** Creates (or finds, with the same configuration) the consumers of partitions 0..partitions-1. */
export async function ensureConsumers(jsm: JetStreamManager, stream: string, partitions: number, ackWaitMs: number): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    const config = {
      durable_name: consumerName(p), filter_subject: readingsSubject(p), ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All, max_ack_pending: 1, ack_wait: ackWaitMs * 1_000_000,
    };
    try {
      await jsm.consumers.add(stream, config);
    } catch (error) {
      // Another worker made it with another ack wait: use it as it is.
      try {
        await jsm.consumers.info(stream, consumerName(p));
      } catch {
        const why = error instanceof JetStreamApiError ? error.message : String(error);
        throw new NatsError("MF_ERR_NATS_STREAM", `cannot create consumer ${consumerName(p)} on stream ${stream}: ${why}`, error);
      }
    }
  }
}
