// Held readings for an operator: listed (filtered, paged) and released. A release re-judges the
// reading kept with its held record as a batch of one on its meter's partition, with the rules'
// holds lifted by the operator: it enters the billing chain like a late reading (its successor
// corrected), so it bills exactly what it adds (DESIGN.md's ledger law), and its record is
// resolved and audited in the same commit. What no release can bill (a conflict with a chain
// reading, a reading before the baseline, an unknown meter: refusals.ts) is refused and nothing changes.
// A reading held `unknown_meter`, `back_dated_pulses`, `before_baseline` or `unknown_meter_type`
// was never judged by the rules that now apply (its meter was unknown; its count came after a
// later one of its meter; it lay before its meter's baseline; its meter's type was in no loaded
// plugin): its release lifts nothing, it is judged as a new late reading (decide/rejudge.ts),
// and held by that judgement it stays held under the new reasons (`decision` "held"), for the
// operator to look at.
import { UNJUDGED } from "../decide/rejudge.js";
import { FLAG } from "../flags/flags.js";
import { num } from "../sinks/format.js";
import type { HeldListing, HeldRecord, PartitionedStore } from "../store/contract.js";
import { OperationError } from "./errors.js";
import { explained, NEVER_RELEASABLE } from "./refusals.js";
import type { OperationSession } from "./session.js";

export interface HeldPage {
  rows: HeldListing[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: number;
}

/** Unresolved held readings, oldest first, `limit` per page (default 100, at most 10,000). */
export async function listHeld(store: PartitionedStore, query: { meterId?: string; reason?: string; after?: number; limit?: number }): Promise<HeldPage> {
  const limit = Math.min(Math.max(1, query.limit ?? 100), 10_000);
  const rows = await store.listHeld({ ...query, limit: limit + 1 });
  return rows.length > limit ? { rows: rows.slice(0, limit), next: rows[limit - 1].id } : { rows };
}

export interface ReleaseRequest {
  readingId: string;
  /** The value held, when several held readings share the id. */
  value?: number;
  reason: string;
  actor: string;
}

export interface ReleaseResult {
  readingId: string;
  meterId: string;
  /**
   * "billed": in the billing chain (billing what it adds; nothing when it is its meter's baseline).
   * "held": held again, nothing billed: a reading held `unknown_meter`, `back_dated_pulses`,
   * `before_baseline` or `unknown_meter_type` (holds made before the rules judged it), judged
   * now, is held for what that judgement found (`reasons`); its held record says so.
   */
  decision: "billed" | "held";
  /** Its new hold reasons, `|`-separated as in held.csv (`temp_bad:bounce`); "" when billed. */
  reasons: string;
  /** What the release billed: the reading's consumption, and the correction of its successor (0 when none). */
  billed: number;
  correction: number;
  /** The flags of its billing record, `|`-separated as in billing.csv (`rollover|rollover_inferred`). */
  flags: string;
  /** Its billing.csv rows (the reading, and a correction of its successor when it was back-dated). */
  billing: Array<Record<string, unknown>>;
}

export async function releaseHeld(session: OperationSession, request: ReleaseRequest): Promise<ReleaseResult> {
  const reason = request.reason.trim();
  if (reason === "") throw new OperationError("MF_ERR_REASON_REQUIRED", "a release needs a reason");
  const found = (await session.store.listHeld({ readingId: request.readingId, limit: 100 }))
    .filter((h) => request.value === undefined || h.value === request.value);
  if (found.length === 0) {
    throw new OperationError("MF_ERR_HELD_NOT_FOUND", `no held reading ${request.readingId}${request.value === undefined ? "" : ` with value ${request.value}`}`
      + " (never held, or released already: meterflow held list)");
  }
  const values = [...new Set(found.map((h) => h.value))];
  if (values.length > 1) {
    throw new OperationError("MF_ERR_HELD_AMBIGUOUS", `${found.length} held readings are ${request.readingId} (values ${values.join(", ")}): say which with its value`);
  }
  const held = found[0];
  const blocking = held.reasons.split("|").filter((r) => NEVER_RELEASABLE.has(r));
  if (blocking.length > 0) {
    throw new OperationError("MF_ERR_RELEASE_REFUSED", `cannot release ${held.readingId}: ${explained(blocking)}`);
  }
  // A hold that judged nothing lifts nothing: the reading is judged as if it arrived now.
  const rejudge = held.reasons.split("|").some((r) => UNJUDGED.has(r));
  const decision = await session.decideOne(held, `release of held #${held.id}: ${held.readingId} value ${held.value}`, {
    release: { reason, actor: request.actor, held: implausibleWhenHeld(held), ...(rejudge ? { rejudge } : {}) },
  });
  // The same release committed by another operator at the same time (one batch id): theirs, not this one's.
  if (decision.commit === "duplicate") {
    throw new OperationError("MF_ERR_HELD_NOT_FOUND", `no held reading ${request.readingId} any more: released meanwhile by another operator (meterflow held list)`);
  }
  const own = decision.billing.filter((b) => b.reading_id === held.readingId);
  const others = decision.billing.filter((b) => b.reading_id !== held.readingId);
  // As the output files write it (6 decimals, 15 significant digits: a sum of register differences carries float noise, 10.299999999999955).
  const sum = (rows: Array<Record<string, unknown>>) => Number(num(rows.reduce((n, b) => n + Number(b.consumption ?? 0), 0)));
  // Held again (a release that lifts nothing): its held row, with its new reasons (a baseline's is `initial`, in the chain).
  const again = decision.held.filter((h) => h.reading_id === held.readingId).map((h) => reasonsText(h.reasons)).find((r) => r !== "initial") ?? "";
  return {
    readingId: held.readingId, meterId: held.meterId, decision: again === "" ? "billed" : "held", reasons: again,
    billed: sum(own), correction: sum(others), flags: own.flatMap((b) => flagList(b.flags)).join("|"), billing: decision.billing,
  };
}

/** A held row's reasons, `|`-separated: the rows are held.ndjson's (an array). */
function reasonsText(reasons: unknown): string {
  return Array.isArray(reasons) ? reasons.join("|") : String(reasons ?? "");
}

/** A billing row's flags as a list: the rows are billing.ndjson's (an array), a string is billing.csv's (`|`-separated). */
function flagList(flags: unknown): string[] {
  if (Array.isArray(flags)) return flags.map(String);
  return typeof flags === "string" && flags !== "" ? flags.split("|") : [];
}

/**
 * What made the held reading implausible when it was held, as the operator saw it in its held
 * row (its flags and consumption, whatever the rules' reasons were called):
 * `implausible_rollover`, `negative_consumption`, both `|`-separated, or "". A release lifts these
 * and no other implausibility (chain.ts `lifted`).
 */
function implausibleWhenHeld(held: HeldRecord): string {
  let row: { flags?: unknown; consumption?: unknown };
  try {
    row = JSON.parse(held.line) as typeof row;
  } catch {
    return "";
  }
  const flags = typeof row.flags === "number" ? row.flags : 0;
  const seen: string[] = [];
  if ((flags & FLAG.implausible_rollover) !== 0) seen.push("implausible_rollover");
  if ((flags & FLAG.override) === 0 && typeof row.consumption === "number" && row.consumption < 0) seen.push("negative_consumption");
  return seen.join("|");
}
