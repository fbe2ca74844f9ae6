// Errors of the NATS JetStream transport (the CLI prints the message with the code).
import { MeterflowError } from "../errors.js";

/** Stable codes of NatsError. */
export type NatsErrorCode =
  /** The server could not be reached (or refused the connection) within the connect timeout. */
  | "MF_ERR_NATS_CONNECT"
  /** The stream records another partition count than the one asked for. */
  | "MF_ERR_NATS_PARTITIONS"
  /** The stream counts days in another time zone than the store or --time-zone. */
  | "MF_ERR_NATS_TIME_ZONE"
  /** The stream exists but is not a meterflow readings stream (subjects, retention, no partition count). */
  | "MF_ERR_NATS_STREAM"
  /** A publish was not acknowledged (after retries) or was refused by the server. */
  | "MF_ERR_NATS_PUBLISH"
  /** A message is not a meterflow batch of a known wire version. */
  | "MF_ERR_NATS_WIRE";

/** A NATS transport error. */
export class NatsError extends MeterflowError {
  override name = "NatsError";
  declare readonly code: NatsErrorCode;

  constructor(code: NatsErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}
