// A manual reading (a customer or engineer read the meter by hand, with a photo of its dial):
// decided as a batch of one on its meter's partition with source `manual` and has_photo, like any reading. With
// a photo, on a meter flagged temp_bad, it resolves the flag (cleared, audited with the reading's
// id and the photo's hash) and is then judged without it, so it is billed unless another rule
// holds it; with `review`, the flag stays and the reading is held (temp_bad) until an operator
// releases it. Without a photo it is decided as it is (held while the meter is temp_bad).
import { readingId as readingIdOf } from "../sinks/format.js";
import { SOURCE, VERIFICATION } from "../ingest/reasons.js";
import { OperationError } from "./errors.js";
import type { OperationSession } from "./session.js";
import { clearTempBad } from "./temp-bad.js";

export interface ManualReading {
  meterId: string;
  endDay: number;
  value: number;
  /**
   * The photo, content-addressed, when one came with it; with `bytes` it is stored in the
   * reading's commit (without, it was stored before).
   */
  photo?: { sha256: string; mediaType: string; bytes?: Uint8Array };
  actor: string;
  /** Hold it for an operator instead of resolving temp_bad. */
  review?: boolean;
}

export interface ManualResult {
  readingId: string;
  batchId: string;
  /** billed, held, rejected, or duplicate (the same reading and photo were entered before: nothing changed). */
  decision: "billed" | "held" | "rejected" | "duplicate";
  /** Its hold reasons (held) or rejection reason (rejected). */
  reasons: string | null;
  /** Whether it cleared the meter's temp_bad flag. */
  resolvedTempBad: boolean;
  billing: Array<Record<string, unknown>>;
  held: Array<Record<string, unknown>>;
  alerts: Array<Record<string, unknown>>;
}

/** Thrown from the decision's inspection: the meter is flagged and the reading resolves it, so the flag goes first. */
class ResolvesTempBad extends Error {}

export async function enterManualReading(session: OperationSession, reading: ManualReading): Promise<ManualResult> {
  const readingId = readingIdOf(reading.meterId, reading.endDay);
  const { photo } = reading;
  const resolves = photo !== undefined && reading.review !== true;
  const label = `manual ${reading.meterId} ${reading.endDay} ${reading.value} photo ${photo?.sha256 ?? "none"}`;
  // The meter's registry row and flag are read with its slice, not before it (a round trip less
  // on PostgreSQL): an unknown meter, or a flag the reading resolves, stops it before it is decided.
  const decide = (inspect: boolean) => session.decideOne({
    meterId: reading.meterId, endDay: reading.endDay, value: reading.value, override: Number.NaN, source: SOURCE.manual, verification: VERIFICATION.unset,
    photo: photo !== undefined,
  }, label, {
    ...(photo?.bytes === undefined ? {} : { photo: { sha256: photo.sha256, mediaType: photo.mediaType, bytes: photo.bytes } }),
    inspect: (meter) => {
      if (!meter.registered) throw new OperationError("MF_ERR_UNKNOWN_METER", `meter ${reading.meterId} is not in the registry (meterflow meters import)`);
      if (inspect && resolves && meter.tempBad) throw new ResolvesTempBad();
    },
  });
  let resolvedTempBad = false;
  let d;
  try {
    d = await decide(true);
  } catch (error) {
    if (!(error instanceof ResolvesTempBad)) throw error;
    // A photo resolves the flag: cleared (audited with the reading and its photo), then the reading is decided without it.
    await clearTempBad(session.store, { meterId: reading.meterId, reason: `manual reading ${readingId} value ${reading.value} with photo sha256:${photo!.sha256}`, actor: reading.actor });
    resolvedTempBad = true;
    d = await decide(false);
  }
  const rejected = d.counts.rejected > 0;
  const decision = d.commit === "duplicate" ? "duplicate" : d.billing.some((b) => b.reading_id === readingId) ? "billed" : d.held.length > 0 ? "held" : rejected ? "rejected" : "duplicate";
  const reasons = decision === "held" ? String(d.held[0].reasons ?? "") : null;
  return { readingId, batchId: d.batchId, decision, reasons, resolvedTempBad, billing: d.billing, held: d.held, alerts: d.alerts };
}
