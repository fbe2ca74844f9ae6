// Printing bench results: medians as ns per item and ratios against a baseline from the same run.
import type { Bench } from "tinybench";

/** A task's median latency in milliseconds, or NaN when it did not complete. */
export function medianMs(bench: Bench, name: string): number {
  const task = bench.getTask(name);
  const result = task?.result;
  if (result === undefined || !("latency" in result)) throw new Error(`bench task "${name}" did not complete`);
  return result.latency.p50;
}

/** Prints one line per task: median ns per item, items per second, and a ratio to `baseline`. */
export function printTable(bench: Bench, items: number, baseline: string, unit = "reading"): void {
  const base = medianMs(bench, baseline);
  const rows = bench.tasks.map((task) => {
    const ms = medianMs(bench, task.name);
    const ns = (ms * 1e6) / items;
    return [task.name, ns.toFixed(2), ((items / ms) * 1e3 / 1e6).toFixed(1), (ms / base).toFixed(2) + "x"];
  });
  const header = ["task", `ns/${unit} (median)`, `M ${unit}s/s`, `vs ${baseline}`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
