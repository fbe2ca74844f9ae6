// Runs `meterflow run` in-process on small files and reads its outputs back as records.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runFiles } from "../../engine/runtime/index.js";
import type { RunOptions, RunSummary } from "../../engine/runtime/index.js";

export const METERS_HEADER = "meter_id,type,unit,scaling_factor,reset_value,digits,rollover_mode,parent_id,unit_price,basic_fee_per_day,cost_center,gl_account,last_reading,last_end";

/** Writes a file and returns its path. */
export function write(dir: string, name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(""));
  return path;
}

/** Parses one of the run's CSV outputs into records (simple: the tests' fields hold no quotes). */
export function readCsv(path: string): Array<Record<string, string>> {
  const [header, ...rows] = readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
  const keys = header.split(",");
  return rows.map((row) => {
    const cells = splitCsv(row);
    return Object.fromEntries(keys.map((k, i) => [k, cells[i] ?? ""]));
  });
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { out.push(cur); cur = ""; } else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface Outputs {
  summary: RunSummary;
  billing: Array<Record<string, string>>;
  held: Array<Record<string, string>>;
  rejected: Array<Record<string, string>>;
}

/** Runs and reads every output. "Today" is fixed at 2026-12-01 so future_date is stable. */
export async function runAndRead(options: Omit<RunOptions, "now"> & { now?: Date }): Promise<Outputs> {
  const summary = await runFiles({ now: new Date("2026-12-01T00:00:00Z"), ...options });
  return {
    summary,
    billing: readCsv(join(options.out, "billing.csv")),
    held: readCsv(join(options.out, "held.csv")),
    rejected: readCsv(join(options.out, "rejected.csv")),
  };
}
