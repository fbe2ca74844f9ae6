// The readings stream: created when missing, checked when present. Its description records the
// partition count and the time zone (`meterflow readings; partitions=P; time_zone=Z`, the zone
// left out when UTC): nats-server 2.9 keeps no stream metadata, and a publisher, a worker and the
// store must agree on both (meter -> partitionOf(id, P); a batch's days are the zone's days).
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
import { DEFAULT_STREAM, READINGS_PREFIX, READINGS_SUBJECTS } from "./subjects.js";

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
  /**
   * The time zone asked for (canonical name): a new stream records it (UTC when absent), a
   * stream with another is MF_ERR_NATS_TIME_ZONE.
   */
  timeZone?: string;
  /** Who asks for `timeZone`, for a mismatch's message; default `--time-zone`. */
  timeZoneAskedBy?: string;
}

/** What ensureStream found or made. */
export interface ReadingsStream {
  name: string;
  partitions: number;
  /** The time zone its batches' days are counted in. */
  timeZone: string;
  created: boolean;
  info: StreamInfo;
}

/** JetStream API error: a stream of that name exists (with another configuration). */
const STREAM_NAME_IN_USE = 10058;
/** JetStream API error: the subjects asked for are (partly) another stream's. */
const SUBJECTS_OVERLAP = 10065;
const DESCRIPTION = /^meterflow readings; partitions=([1-9][0-9]{0,5})(?:; time_zone=(\S+))?$/;
/** The description that records a partition count and a time zone (none said: UTC). */
export function streamDescription(partitions: number, timeZone = "UTC"): string {
  return `meterflow readings; partitions=${partitions}${timeZone === "UTC" ? "" : `; time_zone=${timeZone}`}`;
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
    const timeZone = options.timeZone ?? "UTC";
    try {
      info = await jsm.streams.add({
        name, subjects: [READINGS_SUBJECTS], description: streamDescription(partitions, timeZone),
        retention: RetentionPolicy.Workqueue, storage: StorageType.File,
        duplicate_window: (options.duplicateWindowMs ?? 24 * 3600 * 1000) * 1_000_000,
      });
    } catch (error) {
      // Another publisher created it a moment ago: check theirs.
      if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE) return ensureStream(jsm, options);
      // The readings subjects are another stream's (a --stream typo, or a second cluster on
      // one account): name it, as the server's "subjects overlap" does not.
      const holder = error instanceof JetStreamApiError && error.code === SUBJECTS_OVERLAP
        ? await jsm.streams.find(`${READINGS_PREFIX}.0`).catch(() => undefined) : undefined;
      if (holder !== undefined) {
        throw new NatsError("MF_ERR_NATS_STREAM", `cannot create stream ${name}: the readings subjects ${READINGS_SUBJECTS} are stream ${holder}'s `
          + `(one readings stream per NATS account): name it with --stream ${holder}`, error);
      }
      throw new NatsError("MF_ERR_NATS_STREAM", `cannot create stream ${name}: ${(error as Error).message}`, error);
    }
    return { name, partitions, timeZone, created: true, info };
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
  const timeZone = match[2] ?? "UTC";
  if (options.timeZone !== undefined && options.timeZone !== timeZone) {
    throw new NatsError("MF_ERR_NATS_TIME_ZONE", `stream ${name} counts days in ${timeZone}, ${options.timeZoneAskedBy ?? "--time-zone"} in ${options.timeZone}: `
      + "the publisher, the workers and the store must count days in one time zone");
  }
  return { name, partitions, timeZone, created: false, info };
}
