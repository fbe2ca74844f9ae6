// The demo's meter fleet: ids, registry settings and consumption profiles of every meter, and
// which meters carry a planted scenario (each scenario gets a meter of its own).
import type { BadRowReason } from "./manifest.js";
import type { Random } from "./random.js";

/** Meter id prefixes: electricity, gas, heat, water. */
export type Prefix = "E" | "G" | "H" | "W";

/** The scenario a meter carries. */
export type Role =
  | "back_dated" | "bad_row" | "child" | "conflict" | "duplicate" | "initial" | "meter_exchange"
  | "new_meter" | "old_baseline" | "override" | "parent" | "rollover_configured"
  | "rollover_inferred" | "rollover_reset" | "vacant" | "verification_zero";

/** One meter: registry fields, physical register and daily profile. */
export interface MeterPlan {
  id: string;
  prefix: Prefix;
  type: string;
  unit: string;
  scale: number;
  /** Decimal places of the register as read (0 or 2). */
  decimals: number;
  /** Physical integer dials. */
  digits: number;
  /** `digits` written to the registry (else left to inference). */
  digitsConfigured: boolean;
  /** `reset_value` in register units. */
  reset: number | null;
  mode: "" | "documented" | "modulus";
  parentId: string | null;
  children: string[];
  unitPrice: number;
  fee: number;
  costCenter: string;
  glAccount: string;
  /** Days from `last_end` to the first day: 0 = no baseline, 1 = the day before, more = older. */
  baselineGap: number;
  /** Index of the first reading day. */
  firstDay: number;
  /** Mean daily consumption (unit), weekend factor, seasonal amplitude (+ peaks mid-January). */
  base: number;
  weekend: number;
  seasonal: number;
  role: Role | null;
  badReason: BadRowReason | null;
  /** Day index of the scenario's event (wrap, exchange, override, ...). */
  eventDay: number;
}

const TYPES: Record<Prefix, { type: string; unit: string; gl: string }> = {
  E: { type: "electricity.register", unit: "kWh", gl: "6110" },
  G: { type: "gas.register", unit: "m3", gl: "6120" },
  H: { type: "heat.register", unit: "kWh", gl: "6140" },
  W: { type: "water.register", unit: "m3", gl: "6130" },
};

/** Per ten meters: five electricity, two gas, two water, one heat. */
const MIX: Prefix[] = ["E", "G", "E", "W", "E", "G", "E", "W", "E", "H"];

/** Bad rows planted, one meter each (some reasons twice, in two spellings). */
export const BAD_ROWS: BadRowReason[] = [
  "column_count", "missing_meter_id", "bad_value", "bad_value", "non_finite_value", "non_finite_value",
  "negative_value", "value_exceeds_register", "bad_date", "bad_date", "future_date", "field_too_long",
  "bad_override", "bad_source", "bad_verification",
];

/** Smallest fleet and period that hold every scenario (limits.ts). */
export { MIN_DAYS, MIN_METERS } from "./limits.js";

/** Plans `count` meters over `days` days, sorted by id, scenarios assigned. */
export function planFleet(rng: Random, count: number, days: number, badRows: boolean): MeterPlan[] {
  const numbers: Record<Prefix, number> = { E: 0, G: 0, H: 0, W: 0 };
  const sites = Math.max(5, Math.round(count / 40));
  const plans: MeterPlan[] = [];
  for (let i = 0; i < count; i++) {
    const prefix = MIX[i % MIX.length];
    const id = `${prefix}-${String(++numbers[prefix]).padStart(6, "0")}`;
    plans.push(ordinary(rng, id, prefix, `CC-${1000 + rng.int(0, sites)}`));
  }
  plans.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  assignRoles(rng, plans, days, badRows);
  return plans;
}

function ordinary(rng: Random, id: string, prefix: Prefix, costCenter: string): MeterPlan {
  const t = TYPES[prefix];
  const plan: MeterPlan = {
    id, prefix, type: t.type, unit: t.unit, scale: 1, decimals: 0, digits: rng.chance(0.5) ? 5 : 6,
    digitsConfigured: rng.chance(0.4), reset: null, mode: "", parentId: null, children: [],
    unitPrice: 0, fee: 0, costCenter, glAccount: t.gl, baselineGap: 1, firstDay: 0,
    base: 0, weekend: 1, seasonal: 0, role: null, badReason: null, eventDay: 0,
  };
  const m = rng.next();
  plan.mode = m < 0.15 ? "modulus" : m < 0.3 ? "documented" : "";
  if (prefix === "E") {
    const r = rng.next();
    if (r < 0.08) Object.assign(plan, { scale: 10, base: rng.between(80, 600), weekend: 0.35, fee: rng.between(1.5, 4) });
    else if (r < 0.12) Object.assign(plan, { scale: 0.01, digits: 6, base: rng.between(1, 4), weekend: 1.1 });
    else Object.assign(plan, { base: rng.between(5, 14), weekend: 1.15 });
    plan.seasonal = 0.12;
    plan.unitPrice = rng.between(0.28, 0.42);
    if (plan.fee === 0) plan.fee = rng.between(0.35, 0.6);
  } else if (prefix === "G") {
    Object.assign(plan, { decimals: 2, base: rng.between(1.5, 6), weekend: 1.05, seasonal: 0.45 });
    Object.assign(plan, { unitPrice: rng.between(1.05, 1.45), fee: rng.between(0.4, 0.7) });
  } else if (prefix === "W") {
    Object.assign(plan, { decimals: 2, base: rng.between(0.15, 0.6), weekend: 1.1, seasonal: -0.08 });
    Object.assign(plan, { unitPrice: rng.between(3.2, 4.9), fee: rng.between(0.25, 0.45) });
  } else {
    Object.assign(plan, { base: rng.between(12, 60), weekend: 1, seasonal: 0.45 });
    Object.assign(plan, { unitPrice: rng.between(0.11, 0.19), fee: rng.between(0.8, 1.4) });
  }
  if (rng.chance(0.01)) plan.reset = 10 ** plan.digits;
  return plan;
}

function assignRoles(rng: Random, plans: MeterPlan[], days: number, badRows: boolean): void {
  const pools = new Map<Prefix, MeterPlan[]>();
  for (const p of plans) {
    const pool = pools.get(p.prefix) ?? [];
    pool.push(p);
    pools.set(p.prefix, pool);
  }
  for (const pool of pools.values()) shuffle(rng, pool);
  const mid = (): number => rng.int(2, days - 3);
  const take = (prefix: Prefix, role: Role, eventDay = mid()): MeterPlan => {
    const pool = pools.get(prefix) ?? [];
    const plan = pool.pop() ?? [...pools.values()].find((p) => p.length > 0)?.pop();
    if (plan === undefined) throw new RangeError("too few meters for the demo scenarios");
    // Scenario meters have a baseline the day before and no reset value, unless set below.
    Object.assign(plan, { role, eventDay, baselineGap: 1, reset: null });
    return plan;
  };
  // A whole-unit register at factor 1 with a consumption of several units a day.
  const register = (plan: MeterPlan, digits: number, configured: boolean, mode: MeterPlan["mode"]): void => {
    Object.assign(plan, { digits, digitsConfigured: configured, mode, decimals: 0, scale: 1 });
    if (plan.base < 5 || plan.base > 100) Object.assign(plan, { base: rng.between(6, 14), weekend: 1.15 });
  };
  register(take("E", "rollover_inferred"), 5, false, "");
  register(take("H", "rollover_inferred"), 6, false, "documented");
  const resetE = take("E", "rollover_reset");
  register(resetE, 5, false, "");
  Object.assign(resetE, { reset: 65536, scale: 10, base: rng.between(150, 400), weekend: 0.35 });
  const resetH = take("H", "rollover_reset");
  register(resetH, 6, true, "");
  resetH.reset = 1_000_000;
  register(take("E", "rollover_configured"), 6, true, "modulus");
  register(take("E", "rollover_configured"), 5, true, "documented");
  register(take("E", "meter_exchange", rng.int(3, days - 3)), 5, false, "");
  for (const prefix of ["E", "G", "W"] as const) take(prefix, "override");
  take("W", "verification_zero", rng.int(2, days - 4));
  for (const prefix of ["E", "G"] as const) take(prefix, "back_dated", rng.int(2, days - 3));
  for (const prefix of ["E", "W", "H"] as const) take(prefix, "duplicate");
  for (let i = 0; i < 2; i++) register(take("E", "conflict"), 6, false, "");
  for (const prefix of ["E", "G"] as const) take(prefix, "old_baseline", 0).baselineGap = 31;
  for (const prefix of ["E", "W"] as const) {
    const plan = take(prefix, "new_meter");
    Object.assign(plan, { baselineGap: 0, firstDay: plan.eventDay });
  }
  const cycle: Prefix[] = ["E", "G", "W", "H", "E"];
  const initial = Math.max(3, Math.round(plans.length * 0.03));
  for (let i = 0; i < initial; i++) take(cycle[i % cycle.length], "initial", 0).baselineGap = 0;
  const vacant = Math.max(2, Math.round(plans.length * 0.01));
  for (let i = 0; i < vacant; i++) take(i % 2 === 0 ? "E" : "W", "vacant", 0).base = 0;
  for (let i = 0; i < 2; i++) {
    const parent = take("E", "parent", 0);
    register(parent, 6, false, "");
    for (let c = 0; c < 3; c++) {
      const child = take("E", "child", 0);
      register(child, 6, false, "");
      Object.assign(child, { parentId: parent.id, costCenter: parent.costCenter });
      parent.children.push(child.id);
    }
    Object.assign(parent, { base: rng.between(3, 10), weekend: 1 });
  }
  if (!badRows) return;
  BAD_ROWS.forEach((reason, i) => {
    const plan = take(cycle[i % 4], "bad_row");
    plan.badReason = reason;
    if (reason === "value_exceeds_register") register(plan, 5, true, "");
  });
}

function shuffle<T>(rng: Random, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}
