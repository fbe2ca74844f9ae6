// Plants the demo's scenarios into the rows and lists them with what meterflow should make of
// them: the consumption rules' flags and consumption (computed as the reference does), and the
// outcome wherever DESIGN.md fixes it.
import { inferDigits } from "../consumption/index.js";
import type { FlagName } from "../flags/index.js";
import { badRowText, unknownMeterId } from "./bad-rows.js";
import type { MeterPlan } from "./fleet.js";
import { BAD_ROW_REASONS } from "./manifest.js";
import type { DemoExpectation, DemoRowCounts, DemoScenario, DemoScenarioKind } from "./manifest.js";
import type { Random } from "./random.js";
import { readingRow, sourceOf } from "./rows.js";
import type { Column, Entry, ReadingFields } from "./rows.js";
import { formatTicks, OLD_BASELINE_GAP } from "./series.js";
import type { MeterSeries } from "./series.js";

/** What planting produced: the scenario list, rows to append per day, extra columns, counts. */
export interface Planted {
  scenarios: DemoScenario[];
  tails: Entry[][];
  extraColumns: Column[];
  counts: Omit<DemoRowCounts, "total" | "badTotal">;
}

/** Edits `columns` (one per plan, same order) in place and returns what was planted. */
export function plant(rng: Random, plans: MeterPlan[], series: Map<string, MeterSeries>, columns: Column[], dates: string[]): Planted {
  const scenarios: DemoScenario[] = [];
  const tails: Entry[][] = dates.map(() => []);
  const bad = Object.fromEntries(BAD_ROW_REASONS.map((r) => [r, 0])) as DemoRowCounts["bad"];
  const counts = { bad, duplicates: 0, conflicts: 0, unknownMeter: 0, backDated: 0, overrides: 0, initial: 0 };
  const add = (kind: DemoScenarioKind, meterId: string, d: number, expect: DemoExpectation, note: string): DemoScenario => {
    const s: DemoScenario = { kind, meterId, day: dates[d], lines: [], expect, note };
    scenarios.push(s);
    return s;
  };

  plans.forEach((plan, i) => {
    const cells = columns[i].cells;
    const { ticks, baseline } = series.get(plan.id)!;
    const value = (d: number): string => formatTicks(d < 0 ? baseline : ticks[d], plan.decimals);
    const fields = (d: number): ReadingFields => ({ id: plan.id, end: dates[d], value: value(d), source: sourceOf(plan) });
    const usage = (d: number): number => (Number(value(d)) - Number(value(d - 1))) * plan.scale;
    const plain = (d: number, days = 1): DemoExpectation => {
      const consumption = usage(d);
      return { flags: consumption === 0 ? ["zero"] : [], consumption, days };
    };
    const e = plan.eventDay;
    switch (plan.role) {
      case "rollover_inferred":
      case "rollover_reset":
      case "rollover_configured": {
        const { consumption, flags } = rollover(plan, Number(value(e - 1)), Number(value(e)));
        const note = `register wraps from ${value(e - 1)} to ${value(e)}`;
        cells[e]!.scenario = add(plan.role, plan.id, e, { outcome: "billable", flags, consumption, days: 1 }, note);
        break;
      }
      case "meter_exchange": {
        const { consumption, flags } = rollover(plan, Number(value(e - 1)), Number(value(e)));
        flags.push("implausible_rollover");
        const note = `meter exchanged: register restarts at ${value(e)} after ${value(e - 1)}`;
        cells[e]!.scenario = add("meter_exchange", plan.id, e, { outcome: "held", flags, consumption, days: 1 }, note);
        break;
      }
      case "override": {
        const override = Math.round(usage(e)) + 5;
        const cell = cells[e]!;
        cell.text = readingRow({ ...fields(e), override: String(override), source: "manual" });
        const expect: DemoExpectation = { outcome: "billable", flags: ["override"], consumption: override, days: 1 };
        cell.scenario = add("override", plan.id, e, expect, `manual reading ${value(e)} with override ${override}`);
        counts.overrides++;
        break;
      }
      case "verification_zero":
        for (let d = e; d < e + 3; d++) {
          const cell = cells[d]!;
          cell.text = readingRow({ ...fields(d), verification: "true" });
          const expect: DemoExpectation = { outcome: "held", flags: ["zero"], consumption: 0, days: 1 };
          cell.scenario = add("verification_zero", plan.id, d, expect, "zero consumption while the meter is under verification: temp_bad");
        }
        break;
      case "vacant": {
        const s = add("vacant", plan.id, 0, { flags: ["zero"], consumption: 0 }, "vacant: the register stands still every day");
        for (const cell of cells) if (cell !== null) cell.scenario = s;
        break;
      }
      case "initial":
      case "new_meter": {
        const note = plan.role === "new_meter" ? "new meter installed mid-period, no baseline" : "no baseline in the registry";
        cells[plan.firstDay]!.scenario = add("initial", plan.id, plan.firstDay, { outcome: "held", flags: ["initial"] }, note);
        counts.initial++;
        break;
      }
      case "old_baseline":
        cells[0]!.scenario = add("registry_baseline", plan.id, 0, plain(0, OLD_BASELINE_GAP),
          `first reading measured from the registry baseline ${value(-1)} of ${OLD_BASELINE_GAP} days before`);
        break;
      case "back_dated": {
        const cell = cells[e]!;
        cells[e] = null;
        tails[e + 2].push(cell);
        cell.scenario = add("back_dated", plan.id, e, { ...plain(e), correctedDay: dates[e + 1] },
          `reading of ${dates[e]} arrives after the readings of ${dates[e + 1]} and ${dates[e + 2]}`);
        counts.backDated++;
        break;
      }
      case "duplicate": {
        const copy: Entry = { text: cells[e]!.text };
        cells[e]!.after = [copy];
        copy.scenario = add("duplicate", plan.id, e, { outcome: "duplicate" }, "exact copy of the row before");
        counts.duplicates++;
        break;
      }
      case "conflict": {
        let d = e;
        while (ticks[d] - ticks[d - 1] < 2) d = d + 1 < dates.length ? d + 1 : 1;
        const other = formatTicks(ticks[d - 1] + Math.floor((ticks[d] - ticks[d - 1]) / 2), plan.decimals);
        const second: Entry = { text: readingRow({ ...fields(d), value: other }) };
        const s = add("conflict", plan.id, d, {}, `two rows for one day: ${value(d)}, then ${other}`);
        cells[d]!.scenario = s;
        second.scenario = s;
        cells[d]!.after = [second];
        counts.conflicts++;
        break;
      }
      case "parent":
        add("hierarchy", plan.id, 0, { related: [...plan.children] },
          `parent meter of ${plan.children.join(", ")}: sub-meters plus 4% losses plus common areas`);
        break;
      case "bad_row": {
        const reason = plan.badReason!;
        const { text, meterId } = badRowText(reason, counts.bad[reason]++, fields(e), plan);
        cells[e]!.text = text;
        cells[e]!.scenario = add("bad_row", meterId, e, { outcome: "rejected", reason }, `rejected: ${reason}`);
        break;
      }
      default:
        break;
    }
  });

  const extraColumns: Column[] = [];
  for (const [prefix, count] of [["E", 3], ["W", 1]] as const) {
    const id = unknownMeterId(plans, prefix);
    const column: Column = { id, cells: dates.map(() => null) };
    const from = rng.int(1, dates.length - count);
    let reading = rng.int(1000, 50000);
    for (let d = from; d < from + count; d++) {
      reading += rng.int(3, 15);
      const entry: Entry = { text: readingRow({ id, end: dates[d], value: String(reading) }) };
      entry.scenario = add("unknown_meter", id, d, { outcome: "held" }, "meter missing from the registry");
      column.cells[d] = entry;
      counts.unknownMeter++;
    }
    extraColumns.push(column);
  }
  return { scenarios, tails, extraColumns, counts };
}

/** Consumption and flags of a reading below the previous one (rules 3 and 4), as the reference computes them. */
function rollover(plan: MeterPlan, prev: number, cur: number): { consumption: number; flags: FlagName[] } {
  const flags: FlagName[] = ["rollover"];
  let wrapAt: number;
  if (plan.reset !== null) {
    wrapAt = plan.reset;
  } else {
    let d = plan.digits;
    if (!plan.digitsConfigured) {
      d = inferDigits(prev);
      flags.push("rollover_inferred");
    }
    wrapAt = plan.mode === "modulus" ? 10 ** d : 10 ** d - 1;
  }
  return { consumption: (wrapAt - prev + cur) * plan.scale, flags };
}
