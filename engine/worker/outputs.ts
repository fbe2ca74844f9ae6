// A worker's outputs on NATS: after a batch is committed, its billing, held, alert and rejected
// rows are published as NDJSON to `meterflow.billing`, `meterflow.held`, `meterflow.alerts` and
// `meterflow.rejected` (stream `<readings stream>_OUT`), in messages under the server's max
// payload, each with a deterministic id (`<batch>.<kind>.<n>`). The store marks the batch
// published only after every acknowledgement (an outbox): a worker that dies between commit and
// publish leaves its message unacknowledged, and whoever gets it again finds the batch committed
// and unpublished, and publishes it; the stream's duplicate window drops what had gone out.
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { NatsError } from "../nats/errors.js";
import type { EncodedLines } from "../runtime/writer.js";

export const OUTPUT_KINDS = ["billing", "held", "alerts", "rejected"] as const;

/** The subject of an output kind. */
export function outputSubject(kind: (typeof OUTPUT_KINDS)[number]): string {
  return `meterflow.${kind}`;
}

/** The outputs stream of a readings stream. */
export function outputStreamName(readings: string): string {
  return `${readings}_OUT`;
}

/** Creates the outputs stream when missing (limits retention: consumers read it at their pace). */
export async function ensureOutputStream(jsm: JetStreamManager, name: string): Promise<void> {
  try {
    await jsm.streams.info(name);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) {
      throw new NatsError("MF_ERR_NATS_STREAM", `cannot read stream ${name}: ${(error as Error).message}`, error);
    }
  }
  try {
    await jsm.streams.add({
      name, subjects: OUTPUT_KINDS.map(outputSubject), description: "meterflow outputs (NDJSON rows per committed batch)",
      retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: 24 * 3600 * 1e9,
    });
  } catch (error) {
    // Another worker created it a moment ago.
    try {
      await jsm.streams.info(name);
    } catch {
      throw new NatsError("MF_ERR_NATS_STREAM", `cannot create stream ${name}: ${(error as Error).message}`, error);
    }
  }
}

/** Publishes a committed batch's lines, every acknowledgement awaited; returns the messages sent. */
export async function publishOutputs(js: JetStreamClient, batchId: string, lines: EncodedLines, maxPayload: number): Promise<number> {
  const sends: Array<Promise<unknown>> = [];
  for (const kind of OUTPUT_KINDS) {
    chunks(lines[kind], maxPayload - 1024).forEach((payload, n) => {
      const h = headers();
      h.set("Nats-Msg-Id", `${batchId}.${kind}.${n}`);
      h.set("Meterflow-Batch", batchId);
      sends.push(js.publish(outputSubject(kind), payload, { headers: h, timeout: 10_000 }));
    });
  }
  try {
    await Promise.all(sends);
  } catch (error) {
    throw new NatsError("MF_ERR_NATS_PUBLISH", `cannot publish the outputs of batch ${batchId}: ${(error as Error).message}`, error);
  }
  return sends.length;
}

/** NDJSON bytes cut at line ends into pieces of at most `limit` bytes (a longer line alone). */
function chunks(bytes: Uint8Array, limit: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + limit);
    if (end < bytes.length) {
      const nl = bytes.lastIndexOf(10, end - 1);
      end = nl >= start ? nl + 1 : bytes.indexOf(10, end) + 1 || bytes.length;
    }
    out.push(bytes.subarray(start, end));
    start = end;
  }
  return out;
}
