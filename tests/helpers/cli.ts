// The built command (dist/), as a person runs it: its exit status and what it printed.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../engine/wasm/paths.js";

/** The compiled CLI's entry (built by npm install / npm run build:ts). */
export const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");

/** Runs `meterflow ...args` in `cwd`; one that does not end within a minute is killed (status null). */
export function meterflowIn(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A plugin whose derived fact throws on a turbidity above 5.5 (with its channel, and a rule using
 * the fact, so the fact is computed): what a fact that throws does to a run or a worker.
 */
export const THROWING_FACT_PLUGIN = `export default { name: "@test/boom", version: "1.0.0", sdk: "^1.0.0",
  sensors: [{ name: "turbidity", unit: "NTU", description: "turbidity", range: { min: 0, max: 1000 } }],
  facts: [{ name: "turbidity-class", description: "class", reads: ["turbidity"], writes: ["turbidity_class"],
    compute(input, output, n) { for (let i = 0; i < n; i++) if (input.turbidity[i] > 5.5) throw new Error("boom at " + input.turbidity[i]); } }],
  rules: [{ name: "turb", rows: "both", rules: [{ name: "turbid", conditions: { all: [{ fact: "turbidity_class", operator: "equal", value: 3 }] },
    event: { type: "alert", params: { severity: "warning", channel: "turbidity", message: "turbid" } } }] }] };\n`;
