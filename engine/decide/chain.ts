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

/** Whether two overrides are the same (NaN: none; none equals none). */
export function sameOverride(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** Whether an operator released this row of the batch (a held reading re-judged). */
export function isReleased(batch: ReadingBatch, row: number): boolean {
  return batch.release !== undefined && batch.release.rows[row] === 1;
}

/**
 * The decision on a released row of `batch`: the operator lifts its rules' holds, so it is billed;
 * a baseline (no reading before it) stays `initial`, in the chain and billing nothing. What makes
 * the reading itself implausible now (a wrap of the register, a negative consumption) is lifted
 * only when it was so when held (its held row, whatever the rules' reasons were called): one that
 * comes of the chain changing around it since (a back-dated reading placed before it) is not what
 * the operator saw.
 */
export function lifted(batch: ReadingBatch, flags: number, consumption: number): string {
  if ((flags & FLAG.initial) !== 0) return "initial";
  const own = (flags & FLAG.implausible_rollover) !== 0 ? "implausible_rollover" : (flags & FLAG.override) === 0 && consumption < 0 ? "negative_consumption" : "";
  if (own === "") return "";
  const held = batch.release?.held;
  return held === undefined || held.split("|").includes(own) ? "" : own;
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

/**
 * Computes one register reading of `meter` against `prev` (NaN: none, an initial reading). A
 * pulse meter's `prev` and `cur` are cumulative raw pulses (the decider's kernelInputs): its
 * consumption here is the raw count x pulse_weight, its debounced one the pulse stage's.
 */
export function computeOne(ctx: DecideContext, meter: number, prev: number, prevEnd: number, cur: number, end: number, override: number): Computed {
  const { meters } = ctx;
  const c = oneRow();
  const weight = meters.pulseWeight[meter];
  if (weight === weight) {
    c.scale[0] = weight; c.reset[0] = Number.NaN; c.digits[0] = 0; c.mode[0] = 0;
  } else {
    c.scale[0] = meters.scale[meter]; c.reset[0] = meters.reset[meter]; c.digits[0] = meters.digits[meter]; c.mode[0] = meters.mode[meter];
  }
  c.prev[0] = prev; c.prevEnd[0] = prevEnd; c.cur[0] = cur; c.end[0] = end; c.override[0] = override;
  computeConsumptionReference(c, 1, ctx.kernel.maxWrapShare);
  return { prev, consumption: c.consumption[0], flags: c.flags[0], start: c.start[0], days: c.days[0], daily: c.daily[0] };
}
