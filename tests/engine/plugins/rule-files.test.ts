// Plugins' rule files as an operator meets them, through the built `meterflow` command: a rule
// whose event type meterflow does not act on stops `meterflow run` (MF_ERR_RULES_UNKNOWN_EVENT)
// before anything is billed; what the rule linter warns about is printed before the run, naming
// the plugin; `meterflow rules check --config` checks the plugins' rule files with the user's
// (errors and warnings, each naming the plugin); `meterflow plugins` lists the same under each
// plugin. Two plugins may each have a rule of the same name, and a plugin rule may be named like
// a default rule: alerts name them `<plugin>/<rule>`. A built-in named in the configuration is
// accepted.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const root = tempDir("meterflow-plugin-rules-");

const turbidity = `{ name: "turbidity", unit: "NTU", description: "water turbidity", range: { min: 0, max: 1000 } }`;
const when = (fact: string, operator: string, value: unknown) => `{ all: [{ fact: ${JSON.stringify(fact)}, operator: ${JSON.stringify(operator)}, value: ${JSON.stringify(value)} }] }`;
const holdRule = (name: string, conditions: string, type = "hold") => `{ name: ${JSON.stringify(name)}, conditions: ${conditions}, event: { type: "${type}", params: { reason: "turbid" } } }`;
const alertRule = (name: string, conditions: string) =>
  `{ name: ${JSON.stringify(name)}, conditions: ${conditions}, event: { type: "alert", params: { severity: "warning", channel: "turbidity", message: "turbid water" } } }`;

/** A plugin module: its name, extra descriptor fields, one rule file of `rules`. */
const pluginModule = (name: string, rules: string[], sensors = `[${turbidity}]`) =>
  `export default {\n  name: ${JSON.stringify(name)}, version: "1.0.0", sdk: "^1.0.0",\n  sensors: ${sensors},\n  rules: [{ name: "turb", rows: "both", rules: [${rules.join(", ")}] }],\n};\n`;

/** A project directory with plugin modules, the config naming them (or `entries`), and a night's data. */
function project(name: string, modules: Record<string, string>, entries?: unknown[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "utility", version: "1.0.0", type: "module" }));
  for (const [file, text] of Object.entries(modules)) writeFileSync(join(dir, file), text);
  writeFileSync(join(dir, "meterflow.config.json"), JSON.stringify({ plugins: entries ?? Object.keys(modules).map((f) => `./${f}`) }));
  writeFileSync(join(dir, "meters.csv"), "meter_id,type\nS-1,water.register\n");
  writeFileSync(join(dir, "readings.csv"), "meter_id,end,value,turbidity\nS-1,2026-10-31,100,\nS-1,2026-11-30,150,9\n");
  return dir;
}

function meterflow(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const run = (dir: string) => meterflow(dir, "run", "--config", "meterflow.config.json", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "--quiet", "readings.csv");

describe("a plugin rule whose event type meterflow does not act on", () => {
  const typo = () => project("event-typo", { "turb.js": pluginModule("acme-turbidity", [holdRule("turbid-class", when("turbidity", "greaterThan", 4), "hold_reading")]) });

  it("stops meterflow run before anything is billed, naming the plugin, the rule and the code", () => {
    const dir = typo();
    const r = run(dir);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('plugin acme-turbidity: turb rules[0].event.type: meterflow does not act on events of type "hold_reading"');
    expect(r.stderr).toContain('(rule "turbid-class")');
    expect(r.stderr).toContain("MF_ERR_RULES_UNKNOWN_EVENT");
    expect(existsSync(join(dir, "out", "billing.csv"))).toBe(false);
  });

  it("is an error in meterflow rules check --config and under its plugin in meterflow plugins (exit 1)", () => {
    const dir = typo();
    const check = meterflow(dir, "rules", "check", "--config", "meterflow.config.json");
    expect(check.status, check.stdout).toBe(1);
    expect(check.stdout).toContain("plugin acme-turbidity: turb: turbid-class: rules[0].event.type:");
    expect(check.stdout).toContain("[MF_ERR_RULES_UNKNOWN_EVENT]");
    const list = meterflow(dir, "plugins", "--config", "meterflow.config.json");
    expect(list.status, list.stdout).toBe(1);
    expect(list.stdout).toMatch(/\nacme-turbidity 1\.0\.0\n(.*\n)*  error +plugin acme-turbidity: turb rules\[0\]\.event\.type: .*"hold_reading".*\[MF_ERR_RULES_UNKNOWN_EVENT\]/);
  });
});

describe("a plugin rule the linter warns about", () => {
  const warned = () => project("lint-warning", { "turb.js": pluginModule("acme-turbidity", [holdRule("tank-ids", when("meter_id", "in", "S-1,S-2"))]) });
  const line = 'plugin acme-turbidity: turb: rule "tank-ids": rules[0].conditions.all[0].value:';

  it("is printed by meterflow run before it starts, naming the plugin and the code; the run goes on", () => {
    const dir = warned();
    const r = run(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`meterflow: warning: ${line}`);
    expect(r.stderr).toMatch(/tank-ids.*\[MF_WARN_RULES_IN_NOT_ARRAY\]/);
  });

  it("is a warning of meterflow rules check --config and of meterflow plugins", () => {
    const dir = warned();
    const check = meterflow(dir, "rules", "check", "--config", "meterflow.config.json");
    expect(check.status, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/^warning: plugin acme-turbidity: turb: tank-ids: rules\[0\]\.conditions\.all\[0\]\.value: .*\[MF_WARN_RULES_IN_NOT_ARRAY\]$/m);
    expect(check.stdout).toMatch(/^2 files and 1 plugin rule file, \d+ rules, .*: valid, 1 warning$/m);
    const list = meterflow(dir, "plugins", "--config", "meterflow.config.json", "--json");
    expect(list.status, list.stdout).toBe(0);
    const plugin = (JSON.parse(list.stdout) as { plugins: Array<{ name: string; problems: unknown[] }> }).plugins.find((p) => p.name === "acme-turbidity");
    expect(plugin?.problems).toEqual([expect.objectContaining({ severity: "warning", code: "MF_WARN_RULES_IN_NOT_ARRAY", rule: "tank-ids", file: "plugin acme-turbidity: turb" })]);
  });
});

describe("meterflow rules check --config checks the plugins' rule files", () => {
  it("a misspelt fact in a plugin's rule: invalid, naming the plugin, as the run stops on it", () => {
    const dir = project("unknown-fact", { "turb.js": pluginModule("acme-turbidity", [holdRule("turbid", when("turbidty", "greaterThan", 4))]) });
    const check = meterflow(dir, "rules", "check", "--config", "meterflow.config.json");
    expect(check.status, check.stdout).toBe(1);
    expect(check.stdout).toContain('plugin acme-turbidity: turb: turbid: rules[0].conditions.all[0].fact: unknown fact "turbidty" (did you mean "turbidity"?)');
    expect(check.stdout).toContain("[MF_ERR_RULES_UNKNOWN_FACT]");
    expect(check.stdout).toMatch(/^2 files and 1 plugin rule file: invalid, 1 error$/m);
    expect(run(dir).stderr).toContain("MF_ERR_RULES_UNKNOWN_FACT");
  });

  it("a valid plugin rule file: valid, counted", () => {
    const dir = project("valid", { "turb.js": pluginModule("acme-turbidity", [holdRule("turbid", when("turbidity", "greaterThan", 4))]) });
    const check = meterflow(dir, "rules", "check", "--config", "meterflow.config.json");
    expect(check.status, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/^2 files and 1 plugin rule file, \d+ rules, .*: valid, 0 warnings$/m);
  });
});

describe("rule names are scoped by plugin", () => {
  it("two plugins with a rule turbid-class, and a plugin rule named spike-high beside the default rules: the run alerts with each", () => {
    const other = pluginModule("other-turbidity", [alertRule("turbid-class", when("turbidity2", "greaterThan", 4)), alertRule("spike-high", when("turbidity2", "greaterThan", 4))],
      `[{ name: "turbidity2", unit: "NTU", description: "second probe", range: { min: 0, max: 1000 } }]`);
    const dir = project("scoped", { "turb.js": pluginModule("acme-turbidity", [alertRule("turbid-class", when("turbidity", "greaterThan", 4))]), "other.js": other });
    writeFileSync(join(dir, "readings.csv"), "meter_id,end,value,turbidity,turbidity2\nS-1,2026-10-31,100,,\nS-1,2026-11-30,150,9,9\n");
    const r = run(dir);
    expect(r.status, r.stderr).toBe(0);
    const rules = readFileSync(join(dir, "out", "alerts.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[4]).sort();
    expect(rules).toEqual(["acme-turbidity/turbid-class", "other-turbidity/spike-high", "other-turbidity/turbid-class"]);
  });
});

describe("a built-in plugin named in the configuration", () => {
  it("is accepted: it is loaded once, as always", () => {
    const dir = project("builtin", { "turb.js": pluginModule("acme-turbidity", [alertRule("turbid-class", when("turbidity", "greaterThan", 4))]) }, ["meterflow-gas", "./turb.js"]);
    const r = run(dir);
    expect(r.status, r.stderr).toBe(0);
    const list = meterflow(dir, "plugins", "--config", "meterflow.config.json", "--json");
    const names = (JSON.parse(list.stdout) as { plugins: Array<{ name: string }> }).plugins.map((p) => p.name);
    expect(names.filter((n) => n === "meterflow-gas")).toHaveLength(1);
    expect(names).toContain("acme-turbidity");
  });
});
