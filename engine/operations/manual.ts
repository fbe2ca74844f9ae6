// A manual reading (a customer or engineer read the meter by hand, with a photo of its dial):
// decided as a batch of one on its meter's partition with source `manual` and has_photo, like any reading. With
// a photo, on a meter flagged temp_bad, it resolves the flag (cleared, audited with the reading's
// id and the photo's hash) and is then judged without it, so it is billed unless another rule
// holds it; with `review`, the flag stays and the reading is held (temp_bad) until an operator
// releases it. Without a photo it is decided as it is (held while the meter is temp_bad). A
// re-send of a reading the meter has (a duplicate, whatever its photo) resolves nothing.
// Bad input is rejected as `meterflow run` rejects a row, with its reason: an end after today plus
// `futureDays` (future_date, as the readers do: nothing is decided or kept), and a value its
// register cannot show (the registry's limits: the batch of one rejects it). A rejected reading
// resolves no flag: on a flagged meter the limits are checked before the flag is touched, and its
// photo is not kept.
import { readingId as readingIdOf } from "../sinks/format.js";
import { limitReason } from "../ingest/limits.js";
import { today } from "../time/index.js";
import type { CommitGuard } from "../runtime/session.js";
import { SOURCE, VERIFICATION } from "../ingest/reasons.js";
import type { PartitionedStore } from "../store/contract.js";
import { unknownMeter } from "./errors.js";
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
  /** Days after today (in the store's time zone) its end may lie; a later end is rejected `future_date`, as by `meterflow run --future-days` (default 1). */
  futureDays?: number;
}

/** Days after today a manual reading's end may lie unless told: `meterflow run`'s default. */
const FUTURE_DAYS = 1;

export interface ManualResult {
  readingId: string;
  /** Its batch of one; null when it was rejected before one was made (future_date). */
  batchId: string | null;
  /** billed, held, rejected, or duplicate (the same reading and photo were entered before: nothing changed). */
  decision: "billed" | "held" | "rejected" | "duplicate";
  /** Its hold reasons (held) or rejection reason (rejected: a rejected.csv reason, e.g. value_exceeds_register). */
  reasons: string | null;
  /** Whether it cleared the meter's temp_bad flag. */
  resolvedTempBad: boolean;
  billing: Array<Record<string, unknown>>;
  held: Array<Record<string, unknown>>;
  alerts: Array<Record<string, unknown>>;
}

/** Thrown from the decision's inspection: the meter is flagged and the reading came with a photo, so what it does to the flag is settled first. */
class FlaggedWithPhoto extends Error {}

export async function enterManualReading(session: OperationSession, reading: ManualReading): Promise<ManualResult> {
  const readingId = readingIdOf(reading.meterId, reading.endDay);
  const label = `manual ${reading.meterId} ${reading.endDay} ${reading.value} photo ${reading.photo?.sha256 ?? "none"}`;
  // An end a run's readers reject (ingest/fields.ts), rejected before a batch is made: a batch of
  // one carries no reader's rejection, so nothing is committed of it.
  if (reading.endDay > today() + (reading.futureDays ?? FUTURE_DAYS)) {
    await registryRow(session.store, reading.meterId);
    return { readingId, batchId: null, decision: "rejected", reasons: "future_date", resolvedTempBad: false, billing: [], held: [], alerts: [] };
  }
  // The meter's registry row and flag are read with its slice, not before it (a round trip less
  // on PostgreSQL): an unknown meter, or a flag a reading with a photo may resolve, stops it before it is decided.
  const decide = (photo: ManualReading["photo"], stopFlagged: boolean, guard?: CommitGuard) => session.decideOne({
    meterId: reading.meterId, endDay: reading.endDay, value: reading.value, override: Number.NaN, source: SOURCE.manual, verification: VERIFICATION.unset,
    photo: photo !== undefined,
  }, label, {
    ...(photo?.bytes === undefined ? {} : { photo: { sha256: photo.sha256, mediaType: photo.mediaType, bytes: photo.bytes } }),
    ...(guard === undefined ? {} : { guard }),
    inspect: (meter) => {
      if (!meter.registered) throw unknownMeter(reading.meterId);
      if (stopFlagged && meter.tempBad) throw new FlaggedWithPhoto();
    },
  });
  const { photo } = reading;
  let resolvedTempBad = false;
  let d;
  try {
    d = await decide(photo, photo !== undefined);
  } catch (error) {
    if (!(error instanceof FlaggedWithPhoto)) throw error;
    if (await rejectedByRegistry(session.store, reading)) {
      // Bad input resolves nothing: the flag stays, and the photo of a rejected reading is not kept.
      d = await decide(undefined, false);
    } else if ((d = await decide(photo, false, onlyUnresolving).catch(resolving)) !== undefined) {
      // A re-send of a reading the meter has (in its chain or held), with a photo or another
      // one: a duplicate, which resolves no flag (the flag may have been set since). Or another
      // value for a day the meter has: a conflict, held with its photo for an operator, who
      // decides which is right; it resolves no flag either.
    } else if (reading.review === true) {
      // Held (temp_bad) with its photo until an operator releases it.
      d = await decide(photo, false);
    } else {
      // A photo resolves the flag: cleared (audited with the reading and its photo), then the reading is decided without it.
      await clearTempBad(session.store, { meterId: reading.meterId, reason: `manual reading ${readingId} value ${reading.value} with photo sha256:${photo!.sha256}`, actor: reading.actor });
      resolvedTempBad = true;
      d = await decide(photo, false);
    }
  }
  const rejected = d.counts.rejected > 0;
  const decision = d.commit === "duplicate" ? "duplicate" : d.billing.some((b) => b.reading_id === readingId) ? "billed" : d.held.length > 0 ? "held" : rejected ? "rejected" : "duplicate";
  const reasons = decision === "held" ? reasonsText(d.held[0].reasons) : decision === "rejected" ? await rejectionOf(session.store, d.batchId) : null;
  return { readingId, batchId: d.batchId, decision, reasons, resolvedTempBad, billing: d.billing, held: d.held, alerts: d.alerts };
}

/** A held row's reasons as held.csv and every route write them: `|`-separated (a reason may hold a comma). */
function reasonsText(reasons: unknown): string {
  return Array.isArray(reasons) ? reasons.join("|") : String(reasons ?? "");
}

/** Thrown by onlyUnresolving: the reading is neither a duplicate nor a conflict, so nothing of that decision is committed. */
class Resolving extends Error {}

/**
 * Commits a decision only when it found the reading a duplicate (it changes nothing then) or
 * held it as a conflict (another value for a day the meter has): neither resolves a flag.
 */
const onlyUnresolving: CommitGuard = (job) => {
  if (job.kind !== "commit") return;
  const { counts, held } = job.commit;
  if (counts.duplicates === counts.rows) return;
  if (held.length > 0 && held.every((h) => h.reasons.split("|").includes("conflict"))) return;
  throw new Resolving();
};

function resolving(error: unknown): undefined {
  if (error instanceof Resolving) return undefined;
  throw error;
}

/** The meter's registry row; MF_ERR_UNKNOWN_METER when it has none. */
async function registryRow(store: PartitionedStore, meterId: string) {
  const [row] = await store.registry([meterId]);
  if (row === undefined) throw unknownMeter(meterId);
  return row;
}

/** Whether the registry's limits reject the reading (its batch of one would: runtime/batches.ts validates with the same limitReason). */
async function rejectedByRegistry(store: PartitionedStore, reading: ManualReading): Promise<boolean> {
  const r = await registryRow(store, reading.meterId);
  return limitReason(reading.value, r.digits ?? 0, r.resetValue ?? Number.NaN, r.pulseWeight ?? Number.NaN, Number.NaN) !== 0;
}

/** The reason its batch of one rejected the reading, as the store keeps it (rejected.csv's `reason`). */
async function rejectionOf(store: PartitionedStore, batchId: string): Promise<string | null> {
  const [row] = (await store.batchOutputs(batchId)).rejected;
  return row === undefined ? null : String((JSON.parse(row) as { reason: string }).reason);
}
