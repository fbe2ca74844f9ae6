// A worker's outputs on NATS: after a batch is committed, its billing, held, alert and rejected
// rows are published as NDJSON (or, with `--format csv`, as CSV rows: the lines of billing.csv
// without its header row, which the message's `Meterflow-Columns` header carries) to
// `meterflow.billing`, `meterflow.held`, `meterflow.alerts` and `meterflow.rejected` (stream
// `<readings stream>_OUT`), in messages under the server's max payload, each with a deterministic
// id (`<batch>.<kind>.<n>`) and its format in `Content-Type`. The store marks the batch
// published only after every acknowledgement (an outbox): a worker that dies between commit and
// publish leaves its message unacknowledged, and whoever gets it again finds the batch committed
// and unpublished, and publishes it; the stream's duplicate window drops what had gone out.
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { NatsError } from "../nats/errors.js";
import type { EncodedLines } from "../runtime/writer.js";
import { HEADERS } from "../sinks/files.js";
import type { OutputFormat } from "../sinks/files.js";

export const OUTPUT_KINDS = ["billing", "held", "alerts", "rejected"] as const;

/** The `Content-Type` header of an output message in each format. */
export const OUTPUT_CONTENT_TYPES: Record<OutputFormat, string> = { ndjson: "application/x-ndjson", csv: "text/csv" };

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
      name, subjects: OUTPUT_KINDS.map(outputSubject), description: "meterflow outputs (NDJSON or CSV rows per committed batch)",
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

/**
 * Publishes a committed batch's lines, encoded in `format` (every worker of a cluster the same:
 * a batch published again after a crash must cut into the same messages), every acknowledgement
 * awaited; returns the messages sent.
 */
export async function publishOutputs(js: JetStreamClient, batchId: string, lines: EncodedLines, maxPayload: number,
  format: OutputFormat = "ndjson"): Promise<number> {
  const sends: Array<Promise<unknown>> = [];
  for (const kind of OUTPUT_KINDS) {
    chunks(lines[kind], maxPayload - 1024, format === "csv").forEach((payload, n) => {
      const h = headers();
      h.set("Nats-Msg-Id", `${batchId}.${kind}.${n}`);
      h.set("Meterflow-Batch", batchId);
      h.set("Content-Type", OUTPUT_CONTENT_TYPES[format]);
      if (format === "csv") h.set("Meterflow-Columns", HEADERS[kind]);
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

/**
 * Lines cut at line ends into pieces of at most `limit` bytes (a longer line alone). In CSV a
 * line ends only outside quotes: a quoted field may hold a line break.
 */
export function chunks(bytes: Uint8Array, limit: number, csv = false): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let start = 0; start < bytes.length;) {
    const end = cut(bytes, start, limit, csv);
    out.push(bytes.subarray(start, end));
    start = end;
  }
  return out;
}

/** Where the piece from `start` ends: after the last line end within `limit` bytes, else after the first. */
function cut(bytes: Uint8Array, start: number, limit: number, csv: boolean): number {
  const end = Math.min(bytes.length, start + limit);
  if (end === bytes.length) return end;
  const nl = bytes.lastIndexOf(10, end - 1);
  if (!csv) return nl >= start ? nl + 1 : bytes.indexOf(10, end) + 1 || bytes.length;
  // CSV without a quote up to that line end: it ends a record.
  if (nl >= start && bytes.subarray(start, nl).indexOf(34) < 0) return nl + 1;
  // Quoted fields in reach, or one record longer than the limit: walk the records ("" flips twice).
  let quoted = false;
  let last = -1;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 34) quoted = !quoted;
    else if (b === 10 && !quoted) {
      if (i + 1 - start > limit) return last >= 0 ? last : i + 1;
      last = i + 1;
    }
  }
  return last >= 0 ? last : bytes.length;
}
