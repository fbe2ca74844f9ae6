// A release that lifts nothing (ReadingBatch.release.rejudge). Some holds are made before the
// rules judge the reading, or by a judgement the reading's meter no longer stands for, so its
// held row shows no fault, rule or implausible value the operator could have looked at:
// `unknown_meter` (its meter was not in the registry), `back_dated_pulses` (a pulse count dated
// before a later reading of its meter: held for an operator, its faults not looked at),
// `before_baseline` (dated before the baseline its meter's chain starts from: held before any
// rule ran) and `unknown_meter_type` (its meter's registered type no loaded plugin defined: the
// type's rules, and the settings it brings, were not there to judge it). Their release (once the
// meter is imported, its baseline fixed, the type back) judges the reading as a new late reading
// with its own facts and the meter's registry row (DESIGN.md "Decisions": a late reading is judged
// like any other): trusted, it enters the chain and bills like any release; held, it stays held
// under the reasons that judgement gives, and the same commit resolves the record its new one
// replaces. An operator's release of those reasons is then the usual override (chain.ts `lifted`).
import type { ReadingBatch } from "../ingest/batch.js";
import { isReleased, lifted } from "./chain.js";
import type { BatchOutput, DecideContext } from "./output.js";

/** Hold reasons made before the reading was judged: their release judges it (held.ts sets `rejudge`). */
export const UNJUDGED: ReadonlySet<string> = new Set(["unknown_meter", "back_dated_pulses", "before_baseline", "unknown_meter_type"]);

/** Whether an operator's release lifts the rules' holds on this row: released, and not to be judged anew. */
export function liftsHolds(batch: ReadingBatch, row: number): boolean {
  return isReleased(batch, row) && batch.release!.rejudge !== true;
}

/** A released row's hold reasons: what a release keeps (chain.ts `lifted`), or `judged` when it lifts nothing. */
export function releasedReasons(batch: ReadingBatch, row: number, judged: string, flags: number, consumption: number): string {
  return liftsHolds(batch, row) ? lifted(batch, flags, consumption) : judged;
}

/**
 * After a batch's decision: each re-judged released row that it held again resolves the record it
 * was held under (a release record, audited with the operator's reason and the new reasons), its
 * new held record in that one's place; its meter counts one held reading less (the new one was
 * counted when held). A row whose meter is still unknown records nothing: that release is refused
 * (engine/operations), as is one held for what no release lifts yet (operations/refusals.ts).
 */
export function recordReheld(ctx: DecideContext, out: BatchOutput, batch: ReadingBatch, keys: Int32Array): void {
  const release = batch.release;
  if (release?.rejudge !== true) return;
  for (let row = 0; row < batch.length; row++) {
    const k = keys[row];
    if (release.rows[row] !== 1 || k < 0) continue;
    const meterId = ctx.meters.ids.get(k);
    const end = batch.end[row];
    const value = batch.value[row];
    const same = (r: { meterId: string; endDay: number; value: number }) => r.meterId === meterId && r.endDay === end && r.value === value;
    // Billed (or the meter's baseline): recorded as any release is.
    if (out.released?.some(same) === true) continue;
    const held = out.held.find(same);
    if (held === undefined) continue;
    (out.released ??= []).push({ meterId, endDay: end, value, reason: `${release.reason} (re-held: ${held.reasons})`, actor: release.actor });
    if (ctx.state.heldCount[k] > 0) ctx.state.heldCount[k]--;
  }
}
