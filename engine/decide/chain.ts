// The billing chain's small pieces shared by the kernel path and the late path: which decisions
// keep a reading in the chain, and one reading computed by the reference implementation
// (bit-identical to the kernel) for the scalar paths.
import { computeConsumptionReference, createConsumptionKernel } from "../consumption/index.js";
import type { ConsumptionBatch, ConsumptionColumns } from "../consumption/index.js";
import { FLAG } from "../flags/flags.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { HistoryEntry } from "../store/history.js";
import type { BatchOutput, DecideContext } from "./output.js";

/**
 * Whether a reading with these hold reasons is trusted, i.e. in the chain and a base for the next
 * one: billable (""), or a baseline held only as `initial`. Any other hold keeps it out.
 */
export function isTrusted(reasons: string): boolean {
  return reasons === "" || reasons === "initial";
}

/** Whether a ledger entry is in the chain: billable, or a baseline (held only as `initial`). */
export function inChain(e: Pick<HistoryEntry, "held" | "flags">): boolean {
  return e.held === 0 || (e.flags & FLAG.initial) !== 0;
}

/** Whether an operator released this row of the batch (a held reading re-judged). */
export function isReleased(batch: ReadingBatch, row: number): boolean {
  return batch.release !== undefined && batch.release.rows[row] === 1;
}

/**
 * The decision on a released reading: the operator lifts its rules' holds, so it is billed; only
 * a baseline (no reading before it) stays `initial`, in the chain and billing nothing.
 */
export function lifted(flags: number): string {
  return (flags & FLAG.initial) !== 0 ? "initial" : "";
}

/** Records a released reading put into the chain: its held record is resolved, its meter counts one held less. */
export function recordRelease(ctx: DecideContext, out: BatchOutput, batch: ReadingBatch, row: number, meter: number): void {
  const { reason, actor } = batch.release!;
  (out.released ??= []).push({ meterId: ctx.meters.ids.get(meter), endDay: batch.end[row], value: batch.value[row], reason, actor });
  if (ctx.state.heldCount[meter] > 0) ctx.state.heldCount[meter]--;
}

/** One computed reading. */
export interface Computed {
  prev: number;
  consumption: number;
  flags: number;
  start: number;
  days: number;
  daily: number;
}

let scratch: ConsumptionBatch | undefined;

/** The scratch columns of the last computeOne (one row), e.g. for the plugins' facts. */
export function oneRow(): ConsumptionColumns {
  scratch ??= createConsumptionKernel({ implementation: "reference" }).allocate(1);
  return scratch.columns;
}

/** Computes one register reading of `meter` against `prev` (NaN: none, an initial reading). */
export function computeOne(ctx: DecideContext, meter: number, prev: number, prevEnd: number, cur: number, end: number, override: number): Computed {
  const { meters } = ctx;
  const c = oneRow();
  c.scale[0] = meters.scale[meter]; c.reset[0] = meters.reset[meter]; c.digits[0] = meters.digits[meter]; c.mode[0] = meters.mode[meter];
  c.prev[0] = prev; c.prevEnd[0] = prevEnd; c.cur[0] = cur; c.end[0] = end; c.override[0] = override;
  computeConsumptionReference(c, 1, ctx.kernel.maxWrapShare);
  return { prev, consumption: c.consumption[0], flags: c.flags[0], start: c.start[0], days: c.days[0], daily: c.daily[0] };
}
