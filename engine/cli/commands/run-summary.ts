// What `meterflow run` prints at its end (commands/run.ts loads it with the run; the demo too).
import { describeImport } from "../../registry/import.js";
import type { RunSummary } from "../../runtime/index.js";
import { formatTable } from "../table.js";
import { count } from "../count.js";

/** The rule sets a run used, as one line: `defaults (2 files, 9 rules), plugin x (1 rule)`. */
function describeRuleSets(sets: RunSummary["rules"]["sets"]): string {
  const n = (k: number, noun: string) => `${k} ${noun}${k === 1 ? "" : "s"}`;
  return sets.filter((set) => set.kind !== "plugin" || set.rules > 0).map((set) => {
    const what = set.kind === "plugin" ? `plugin ${set.plugin}` : set.kind === "defaults" ? "defaults" : `files ${set.files.join(", ")}`;
    const counts = [set.kind === "defaults" ? n(set.files.length, "file") : "", n(set.rules, "rule"), set.sensor_rows > 0 ? `${set.sensor_rows} on sensor rows` : "", set.holds === 0 && set.kind !== "plugin" ? "no holds" : ""];
    return `${what} (${counts.filter((c) => c !== "").join(", ")})`;
  }).join(", ");
}

/** The summary a person reads at a glance; `format` names the files the run wrote (`--format`). */
export function summaryTable(s: RunSummary, out: string, format: "csv" | "ndjson" = "csv"): string {
  const pct = (n: number) => (s.in === 0 ? "" : `${((n / s.in) * 100).toFixed(1)}%`);
  const rows = [
    ["billable", count(s.billable), pct(s.billable), `billing.${format}`],
    ["held", count(s.held), pct(s.held), `held.${format} (with reasons)`],
    ["rejected", count(s.rejected), pct(s.rejected), `rejected.${format} (with reasons)`],
    ["duplicates", count(s.duplicates), pct(s.duplicates), "seen before: no effect"],
    ...(s.sensor > 0 ? [["sensor", count(s.sensor), pct(s.sensor), "sensor rows: judged, not billed"]] : []),
    ["in", count(s.in), "", s.balanced ? "balanced" : "NOT BALANCED"],
  ];
  const lines = [formatTable(["readings", "count", "share", "where"], rows)];
  const events = s.inputs.filter((i) => i.kind === "pulse-events");
  if (events.length > 0) {
    const sum = (key: "events" | "samples" | "readings") => count(events.reduce((n, i) => n + (i[key] ?? 0), 0));
    lines.push(`pulse events: ${sum("events")} pulses and ${sum("samples")} line samples -> ${sum("readings")} day readings`);
  }
  const faults = Object.entries(s.pulse_faults);
  if (faults.length > 0) lines.push(`pulse faults (readings): ${faults.map(([name, n]) => `${name} ${count(n)}`).join(", ")}`);
  if (s.corrections > 0) lines.push(`corrections (back-dated readings): ${count(s.corrections)}, in billing.${format}`);
  if (s.meters.imported !== undefined) lines.push(`meters: ${describeImport(s.meters.imported)}`);
  if (s.rules.sets !== undefined) lines.push(`rules: ${describeRuleSets(s.rules.sets)}`);
  lines.push(`${s.seconds.toFixed(2)} s, ${(s.readings_per_second / 1e6).toFixed(2)}M readings/s; outputs in ${out}`);
  return lines.join("\n");
}
