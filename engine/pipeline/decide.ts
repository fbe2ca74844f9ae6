// The built-in decision: billable, or held with reasons. The rules layer replaces it; until then
// it holds first readings, implausible rollovers, unknown meters, conflicts and meters an
// operator flagged temp_bad, and bills everything else.
import { FLAG } from "../flags/flags.js";

/** Hold reasons, one bit each; names are what held.csv's `reasons` column lists. */
export const HOLD = Object.freeze({
  initial: 1 << 0,
  implausible_rollover: 1 << 1,
  unknown_meter: 1 << 2,
  conflict: 1 << 3,
  temp_bad: 1 << 4,
  before_baseline: 1 << 5,
} as const);

/** A hold reason's name. */
export type HoldReason = keyof typeof HOLD;

const ENTRIES = Object.entries(HOLD) as Array<[HoldReason, number]>;

/** `|`-separated reason names of a hold mask. */
export function holdReasons(mask: number): string {
  let out = "";
  for (const [name, bit] of ENTRIES) if ((mask & bit) !== 0) out = out === "" ? name : `${out}|${name}`;
  return out;
}

/** Hold mask of a computed reading: 0 means billable. */
export function decide(flags: number, tempBad: boolean): number {
  let hold = 0;
  if ((flags & FLAG.initial) !== 0) hold |= HOLD.initial;
  if ((flags & FLAG.implausible_rollover) !== 0) hold |= HOLD.implausible_rollover;
  if (tempBad) hold |= HOLD.temp_bad;
  return hold;
}
