// `meterflow rules check` and `meterflow rules test`: run in-process through the command's
// function (console captured, errors mapped to exit statuses as main.ts does), and through the
// built command once main.ts dispatches `rules` (skipped, and shown as skipped, until then).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { rules } from "../../../engine/cli/commands/rules.js";
import { UsageError } from "../../../engine/cli/errors.js";
import { MeterflowError } from "../../../engine/errors.js";
import { FACTS, loadRuleFiles, RulesInvalidError } from "../../../engine/rules/index.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = tempDir("meterflow-cli-rules-");

async function inProcess(...args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  let status: number;
  try {
    status = await rules(args);
  } catch (e) {
    if (!(e instanceof MeterflowError)) throw e;
    err.push(`meterflow: ${e.message}`);
    status = e instanceof UsageError ? 2 : 1;
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  return { status, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.join("\n") };
}

async function spawned(...args: string[]): Promise<Outcome> {
  const r = spawnSync(process.execPath, [BIN, "rules", ...args], { encoding: "utf8" });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Whether the built main.ts dispatches `rules` yet. */
const wired = spawnSync(process.execPath, [BIN, "rules", "--help"], { encoding: "utf8" }).stdout.includes("Usage: meterflow rules");

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

/** An ordinary reading: every fact of engine/rules/facts.ts, nothing that a default rule holds. */
function ordinary(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const byType = { number: 0, string: "", boolean: false } as const;
  const facts: Record<string, unknown> = Object.fromEntries(Object.entries(FACTS).map(([k, s]) => [k, byType[s.type]]));
  return Object.assign(facts, {
    meter_id: "M-1", end: "2026-01-31", source: "auto", value: 1230, previous: 1200, consumption: 30, days: 30, daily: 1,
    history_readings: 12, average_daily: 1, average_daily_high: 3, average_daily_low: 0.2, override: null, digits: null,
  }, overrides);
}

const BAD_RULES = {
  conditions: { "c-1": { all: [{ fact: "zero", operator: "eq", value: true }] } },
  rules: [
    { name: "no-value", conditions: { all: [{ fact: "zero", operator: "equal" }] }, event: { type: "hold", params: { reason: "x" } } },
    { conditions: { any: [{ condition: "missing" }] }, event: { type: "hold" } },
  ],
};

for (const [how, meterflow] of [["in-process", inProcess], ["built command", spawned]] as const) {
  describe.skipIf(how === "built command" && !wired)(`meterflow rules (${how})`, () => {
    it("checks the default rules: valid, version and counts printed", async () => {
      const r = await meterflow("check");
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^rules version [0-9a-f]{16}$/m);
      expect(r.stdout).toMatch(/^\d+ files, \d+ rules, \d+ named conditions?: valid, 0 warnings$/m);
    });

    it("prints every issue of a file that does not validate, with its path, and exits 1", async () => {
      const file = write("bad.json", BAD_RULES);
      const expected = await loadRuleFiles([file]).then(() => expect.fail("should not validate"), (e: unknown) => e as RulesInvalidError);
      expect(expected.issues.length).toBeGreaterThanOrEqual(4);
      const r = await meterflow("check", file);
      expect(r.status).toBe(1);
      const lines = r.stdout.trim().split("\n");
      for (const issue of expected.issues) {
        const rule = issue.rule === null ? "-" : typeof issue.rule === "number" ? `#${issue.rule}` : issue.rule;
        expect(lines).toContain(`${file}: ${rule}: ${issue.path}: ${issue.message} [${issue.code}]`);
      }
      // Every issue with its code, the general one too.
      expect(lines).toContain(`${file}: no-value: rules[0].conditions.all[0].value: "value" is required [MF_ERR_RULES_INVALID]`);
      expect(lines.at(-1)).toBe(`1 file: invalid, ${expected.issues.length} errors`);
      expect(r.stdout).not.toContain("rules version");
    });

    it("names every file that cannot be read or parsed, not only the first", async () => {
      const broken = write("broken.json", '{ "rules": [');
      const missing = join(dir, "missing.json");
      const r = await meterflow("check", broken, missing);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^${escape(broken)}: -: line \\d+, column \\d+: not valid JSON`, "m"));
      expect(r.stdout).toContain(`${missing}: -: -: cannot read`);
    });

    it("prints lint warnings with their codes and still exits 0", async () => {
      const file = write("warn.json", [{ name: "odd", conditions: { all: [{ fact: "meter_id", operator: "in", value: "M-1" }] }, event: { type: "hold", params: { reason: "odd" } } }]);
      const r = await meterflow("check", file);
      expect(r.status, r.stdout).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^warning: ${escape(file)}: odd: \\[0\\]\\.conditions\\.all\\[0\\]\\.value: "in" with .* \\[MF_WARN_RULES_IN_NOT_ARRAY\\]$`, "m"));
      expect(r.stdout).toMatch(/valid, 1 warning$/m);
    });

    it("refuses a fact no engine or plugin provides (an error since issue 13, a warning before)", async () => {
      const file = write("unknown.json", [{ name: "odd", conditions: { all: [{ fact: "no_such_fact", operator: "equal", value: 1 }] }, event: { type: "hold", params: { reason: "odd" } } }]);
      const r = await meterflow("check", file);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`${file}: odd: [0].conditions.all[0].fact: unknown fact "no_such_fact"`);
      expect(r.stdout).toContain("[MF_ERR_RULES_UNKNOWN_FACT]");
    });

    it("tests facts against the rules: what fired, what did not, and each leaf's values", async () => {
      const facts = write("facts.json", [ordinary(), ordinary({ meter_id: "M-2", leak: true, daily: 10 })]);
      const r = await meterflow("test", "--facts", facts);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const [, first, second] = r.stdout.split(/^facts\[\d\]/m);
      expect(first).toMatch(/^ meter M-1, end 2026-01-31\n {2}0 of \d+ rules fired\n/);
      expect(first).toMatch(/^ {2}not fired leak \(priority 10\) -> temp_bad \{"reason":"leak"\}$/m);
      expect(first).toMatch(/^ {6}leak = false equal true -> false$/m);
      expect(first).toMatch(/^ {6}daily = 1 greaterThan average_daily_high = 3 -> false$/m);
      expect(second).toMatch(/^ {2}2 of \d+ rules fired$/m);
      expect(second).toMatch(/^ {2}fired {5}leak \(priority 10\) -> temp_bad \{"reason":"leak"\}\n {4}all -> true$/m);
      expect(second).toMatch(/^ {6}leak = true equal true -> true$/m);
      expect(second).toMatch(/^ {2}fired {5}spike-high .*\n {4}all -> true\n {6}condition has-history: all -> true$/m);
      expect(second).toMatch(/^ {6}daily = 10 greaterThan average_daily_high = 3 -> true$/m);
      expect(r.stdout).toMatch(/^2 facts objects: 2 ran, 0 errors$/m);
    });

    it("prints the raw results with --json, one object for one facts object", async () => {
      const one = write("one.json", ordinary({ initial: true }));
      const r = await meterflow("test", "--facts", one, "--json");
      expect(r.status).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.events).toEqual([{ type: "hold", params: { reason: "initial" } }]);
      expect(result.results[0]).toMatchObject({ name: "initial", result: true });
      expect(result.failureResults.length).toBeGreaterThan(0);
    });

    it("takes a fact a facts object leaves out as null, as a run does", async () => {
      const partial = ordinary({ meter_id: "M-3" });
      delete partial.average_daily;
      const facts = write("missing-fact.json", [ordinary(), partial]);
      const r = await meterflow("test", "--facts", facts);
      expect(r.status, r.stdout).toBe(0);
      expect(r.stdout).not.toContain("Undefined fact");
      expect(r.stdout).toMatch(/^2 facts objects: 2 ran, 0 errors$/m);
    });

    it("prints a facts object the engine rejects as an error of that object and exits 1", async () => {
      const rules = write("in-null.json", [{ name: "listed", conditions: { all: [{ fact: "meter_id", operator: "in", value: { fact: "digits" } }] }, event: { type: "hold", params: { reason: "listed" } } }]);
      const facts = write("in-null-facts.json", [ordinary({ digits: ["M-1"] }), ordinary({ meter_id: "M-3", digits: null })]);
      const r = await meterflow("test", rules, "--facts", facts);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^facts\[1\] meter M-3, end 2026-01-31\n {2}error: Cannot read properties of null \(reading 'indexOf'\)$/m);
      expect(r.stdout).toMatch(/^facts\[0\] meter M-1, end 2026-01-31\n {2}1 of 1 rule fired$/m);
      expect(r.stdout).toMatch(/^2 facts objects: 1 ran, 1 error$/m);
      const json = await meterflow("test", rules, "--facts", facts, "--json");
      expect(json.status).toBe(1);
      expect(JSON.parse(json.stdout)[1]).toEqual({ error: "Cannot read properties of null (reading 'indexOf')" });
    });

    it("answers a missing --facts or an unknown subcommand with a usage error", async () => {
      expect((await meterflow("test")).status).toBe(2);
      expect((await meterflow("frobnicate")).status).toBe(2);
      expect((await meterflow("test", "--facts", write("scalar.json", "[1]"))).stderr).toMatch(/\[0\] is not an object of facts/);
    });
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
