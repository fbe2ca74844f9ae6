// The readings stream: created when missing, checked when present. Its description records the
// partition count (`meterflow readings; partitions=P`): nats-server 2.9 keeps no stream metadata,
// and a publisher, a worker and the store must agree on it (meter -> partitionOf(id, P)).
//
// Retention is work-queue: a reading is stored until a worker has committed its batch and
// acknowledged it, then removed, so the stream holds the backlog, not history (the store keeps
// that). Work-queue streams allow several consumers only with disjoint filters, which is the
// worker scheme: one durable consumer per partition (`meterflow.readings.<p>`), one message in
// flight each, so one meter's readings are decided in order. File storage survives a server
// restart; the duplicate window (24 h by default) drops a second publish of the same batch.
import type { JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { NatsError } from "./errors.js";
import { DEFAULT_STREAM, READINGS_SUBJECTS } from "./subjects.js";

/** Options of ensureStream. */
export interface StreamOptions {
  /** Stream name; default MFLOW. */
  name?: string;
  /** Partitions asked for; absent: the stream's own (16, the store's default, for a new stream). */
  partitions?: number;
  /** Who asks for `partitions`, for a mismatch's message; default `--partitions`. */
  askedBy?: string;
  /** Duplicate window in ms for a new stream; default 24 h. */
  duplicateWindowMs?: number;
  /** Partition count of a new stream when `partitions` is absent. */
  defaultPartitions?: number;
}

/** What ensureStream found or made. */
export interface ReadingsStream {
  name: string;
  partitions: number;
  created: boolean;
  info: StreamInfo;
}

/** JetStream API error: a stream of that name exists (with another configuration). */
const STREAM_NAME_IN_USE = 10058;
const DESCRIPTION = /^meterflow readings; partitions=([1-9][0-9]{0,5})$/;
/** The description that records a partition count. */
export function streamDescription(partitions: number): string {
  return `meterflow readings; partitions=${partitions}`;
}

/**
 * Creates the readings stream, or checks the one there: NatsError `MF_ERR_NATS_PARTITIONS` when
 * it records another partition count than `partitions`, `MF_ERR_NATS_STREAM` when it is not a
 * meterflow readings stream.
 */
export async function ensureStream(jsm: JetStreamManager, options: StreamOptions = {}): Promise<ReadingsStream> {
  const name = options.name ?? DEFAULT_STREAM;
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) {
      throw new NatsError("MF_ERR_NATS_STREAM", `cannot read stream ${name}: ${(error as Error).message}`, error);
    }
  }
  if (info === undefined) {
    const partitions = options.partitions ?? options.defaultPartitions ?? 16;
    try {
      info = await jsm.streams.add({
        name, subjects: [READINGS_SUBJECTS], description: streamDescription(partitions),
        retention: RetentionPolicy.Workqueue, storage: StorageType.File,
        duplicate_window: (options.duplicateWindowMs ?? 24 * 3600 * 1000) * 1_000_000,
      });
    } catch (error) {
      // Another publisher created it a moment ago: check theirs.
      if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE) return ensureStream(jsm, options);
      throw new NatsError("MF_ERR_NATS_STREAM", `cannot create stream ${name}: ${(error as Error).message}`, error);
    }
    return { name, partitions, created: true, info };
  }
  const c = info.config;
  const match = DESCRIPTION.exec(c.description ?? "");
  if (match === null || !c.subjects?.includes(READINGS_SUBJECTS)) {
    throw new NatsError("MF_ERR_NATS_STREAM", `stream ${name} is not a meterflow readings stream (subjects ${JSON.stringify(c.subjects ?? [])}, `
      + `description ${JSON.stringify(c.description ?? "")}): use --stream to name another`);
  }
  const partitions = Number(match[1]);
  if (options.partitions !== undefined && options.partitions !== partitions) {
    throw new NatsError("MF_ERR_NATS_PARTITIONS", `stream ${name} has ${partitions} partitions, ${options.askedBy ?? "--partitions"} asks for ${options.partitions}: `
      + "the publisher, the workers and the store must use one partition count");
  }
  return { name, partitions, created: false, info };
}
