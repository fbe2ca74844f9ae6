// readings.csv rows of the demo: one row per meter and day, in day-then-meter order, with the
// planted cases edited in (overrides, verification, duplicates, conflicts, bad rows, back-dated
// rows moved after newer readings). Each row can point at the scenario it belongs to.
import type { DemoScenario } from "./manifest.js";
import type { MeterPlan } from "./fleet.js";
import { formatTicks } from "./series.js";
import type { MeterSeries } from "./series.js";

/** One readings.csv row. */
export interface Entry {
  text: string;
  /** The scenario this row is about (its line is recorded there). */
  scenario?: DemoScenario;
  /** Rows written right after this one (duplicates, conflicts). */
  after?: Entry[];
}

/** The rows of one meter (or of an id missing from the registry), one cell per day. */
export interface Column {
  id: string;
  cells: (Entry | null)[];
}

/** The fields of a reading row. */
export interface ReadingFields {
  id: string;
  end: string;
  value: string;
  override?: string;
  source?: string;
  verification?: string;
}

/** A CSV row of readings (no quoting: demo fields never hold commas or quotes). */
export function readingRow(f: ReadingFields): string {
  return `${f.id},${f.end},${f.value},${f.override ?? ""},${f.source ?? "auto"},${f.verification ?? ""}`;
}

/** Default source per meter type: heat cost data comes from an import. */
export function sourceOf(plan: MeterPlan): string {
  return plan.prefix === "H" ? "import" : "auto";
}

/** One column per plan, a row for each day the meter is read. */
export function baseColumns(plans: MeterPlan[], series: Map<string, MeterSeries>, dates: string[]): Column[] {
  return plans.map((plan) => {
    const ticks = series.get(plan.id)!.ticks;
    const cells = dates.map((end, d): Entry | null => Number.isNaN(ticks[d]) ? null : {
      text: readingRow({ id: plan.id, end, value: formatTicks(ticks[d], plan.decimals), source: sourceOf(plan) }),
    });
    return { id: plan.id, cells };
  });
}

/**
 * Writes the rows in file order: day by day, meters by id, each row followed by its `after`
 * rows, then the day's `tails` (back-dated rows). Records each scenario row's line.
 */
export function assemble(columns: Column[], tails: Entry[][], header: string): string[] {
  const lines: string[] = [header];
  const put = (e: Entry): void => {
    lines.push(e.text);
    e.scenario?.lines.push(lines.length);
    for (const a of e.after ?? []) put(a);
  };
  const sorted = [...columns].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let d = 0; d < tails.length; d++) {
    for (const column of sorted) {
      const cell = column.cells[d];
      if (cell !== null && cell !== undefined) put(cell);
    }
    for (const e of tails[d]) put(e);
  }
  return lines;
}
