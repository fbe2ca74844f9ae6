// The billing chain's small pieces shared by the kernel path and the late path: which decisions
// keep a reading in the chain, and one reading computed by the reference implementation
// (bit-identical to the kernel) for the scalar paths.
import { computeConsumptionReference, createConsumptionKernel } from "../consumption/index.js";
import type { ConsumptionBatch, ConsumptionColumns } from "../consumption/index.js";
import type { DecideContext } from "./output.js";

/**
 * Whether a reading with these hold reasons is trusted, i.e. in the chain and a base for the next
 * one: billable (""), or a baseline held only as `initial`. Any other hold keeps it out.
 */
export function isTrusted(reasons: string): boolean {
  return reasons === "" || reasons === "initial";
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
