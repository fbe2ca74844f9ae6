// One computed reading judged by the rules: its facts filled in (one reused object), the rules
// evaluated, and what they decided applied: hold reasons returned, a temp_bad event flags the
// meter (audited), alerts collected.
import { FLAG } from "../flags/flags.js";
import { SPIKE_FACTORS } from "../rules/facts.js";
import { day } from "../sinks/format.js";
import { stringAt } from "../store/meter-table.js";
import type { BatchOutput, DecideContext } from "./output.js";
import type { RuleDecision } from "./rules.js";

const SOURCES = ["auto", "manual", "import"] as const;
const VERIFICATION = [null, false, true] as const;

/** Fills the facts of a reading, evaluates the rules and returns its hold reasons ("" = billable). */
export function judge(ctx: DecideContext, out: BatchOutput, meter: number, end: number, value: number, override: number,
  source: number, verification: number, photo: number, consumption: number, prev: number, days: number, daily: number, flags: number,
  mayFlag = true): string {
  fillFacts(ctx, meter, end, value, override, source, verification, photo, consumption, prev, days, daily, flags);
  return apply(ctx, out, meter, end, ctx.rules.decide(ctx.facts), mayFlag);
}

/** Fills `ctx.facts` with a computed reading's facts (the plugins' are the caller's). */
export function fillFacts(ctx: DecideContext, meter: number, end: number, value: number, override: number,
  source: number, verification: number, photo: number, consumption: number, prev: number, days: number, daily: number, flags: number): void {
  const { facts, meters, state } = ctx;
  const id = meters.ids.get(meter);
  facts.meter_id = id;
  facts.end = day(end);
  facts.value = value;
  facts.override = override === override ? override : null;
  facts.source = SOURCES[source] ?? "auto";
  facts.verification = VERIFICATION[verification] ?? null;
  facts.has_photo = photo === 1;
  facts.meter_type = stringAt(meters.type, meter);
  facts.unit = stringAt(meters.unit, meter);
  facts.scaling_factor = meters.scale[meter];
  facts.digits = meters.digits[meter] === 0 ? null : meters.digits[meter];
  facts.consumption = consumption;
  facts.previous = prev === prev ? prev : null;
  facts.days = days;
  facts.daily = daily;
  facts.initial = (flags & FLAG.initial) !== 0;
  facts.rollover = (flags & FLAG.rollover) !== 0;
  facts.rollover_inferred = (flags & FLAG.rollover_inferred) !== 0;
  facts.implausible_rollover = (flags & FLAG.implausible_rollover) !== 0;
  facts.zero = (flags & FLAG.zero) !== 0;
  facts.open_circuit = (flags & FLAG.open_circuit) !== 0;
  facts.short_circuit = (flags & FLAG.short_circuit) !== 0;
  facts.magnetic = (flags & FLAG.magnetic) !== 0;
  facts.bounce = (flags & FLAG.bounce) !== 0;
  facts.leak = (flags & FLAG.leak) !== 0;
  facts.no_consumption = (flags & FLAG.no_consumption) !== 0;
  facts.backflow = (flags & FLAG.backflow) !== 0;
  facts.history_readings = state.readings[meter];
  const average = state.sumDays[meter] > 0 ? state.sumConsumption[meter] / state.sumDays[meter] : null;
  facts.average_daily = average;
  facts.average_daily_high = average === null ? null : average * SPIKE_FACTORS.high;
  facts.average_daily_low = average === null ? null : average * SPIKE_FACTORS.low;
  facts.meter_temp_bad = state.tempBad[meter] !== 0;
}

/**
 * Applies a decision: alerts collected, a temp_bad event flags the meter (audited) unless not
 * `mayFlag` (an operator's release lifts what its rules would hold). Returns the hold reasons.
 */
export function apply(ctx: DecideContext, out: BatchOutput, meter: number, end: number, decision: RuleDecision, mayFlag = true): string {
  record(ctx, out, meter, end, decision, mayFlag && flag(ctx, meter, decision));
  return decision.reasons;
}

/**
 * The state half of a decision: a temp_bad event flags the meter when it is not flagged yet (so
 * its later readings see `meter_temp_bad`). Returns whether it did (the audit row is `record`'s).
 */
export function flag(ctx: DecideContext, meter: number, decision: RuleDecision): boolean {
  if (decision.tempBad === undefined || (decision.reasons === "" && decision.alerts.length === 0)) return false;
  if (ctx.state.tempBad[meter] !== 0) return false;
  ctx.state.tempBad[meter] = 1;
  ctx.flags.setByRun(meter);
  return true;
}

/** The output half of a decision: its alerts, and the audit row of the flag `flag` set (`flagged`). */
export function record(ctx: DecideContext, out: BatchOutput, meter: number, end: number, decision: RuleDecision, flagged: boolean): void {
  if (decision.alerts.length === 0 && !flagged) return;
  const id = ctx.meters.ids.get(meter);
  for (const alert of decision.alerts) out.alerts.push({ meterId: id, end, ...alert });
  if (flagged) out.audit.push({ meterId: id, action: "set", reason: decision.tempBad!, actor: `rules ${ctx.rules.version}` });
}
