// `meterflow plugins`: the plugins a run would load (built-ins and the configured ones) and what
// each contributes: meter types, sensor channels with their ranges, thresholds, derived facts,
// and rule files, with what a run would say of those: their errors (the run would stop) and the
// rule linter's warnings (the run prints them), each under its plugin.
import { parseOptions } from "../args.js";
import { formatRuleWarning, knownFacts, lintPluginRules, pluginRuleFiles } from "../../decide/rules.js";
import { loadPlugins, readPluginConfig } from "../../plugins/index.js";
import { formatIssue, loadRuleFiles, RulesInvalidError } from "../../rules/load/index.js";
import type { PluginRegistry } from "../../../sdk/index.js";
import { SDK_VERSION } from "../../../sdk/index.js";

export const PLUGINS_HELP = `Usage: meterflow plugins [--config FILE] [--json]

Lists the plugins a run loads (the built-in ones, then those named in the configuration file,
default ./meterflow.config.json when it exists) and what each contributes: meter types with
their units and defaults, sensor channels with their units and physical ranges, thresholds with
their durations, derived facts and rule files. Under each plugin, the problems of its rule
files: errors that stop a run (a misspelt fact, operator or event type, ...) and the rule
linter's warnings, which a run prints before it starts. --json prints the same as JSON.
Exit status 1 when a plugin's rule files have errors (a run would refuse them), else 0.`;

/** A problem of a plugin's rule files: an error stops a run, a warning is printed by it. */
interface RuleProblem {
  severity: "error" | "warning";
  code: string;
  file: string;
  rule: string | number | null;
  path: string;
  message: string;
  line: string;
}

export async function plugins(argv: string[]): Promise<number> {
  const { values } = parseOptions({ args: argv, options: { config: { type: "string" }, json: { type: "boolean", default: false } } });
  const config = readPluginConfig(values.config);
  const registry = await loadPlugins(config);
  const problems = await ruleProblems(registry);
  const list = registry.plugins.map((p) => ({
    name: p.name,
    version: p.version,
    meterTypes: registry.meterTypes.filter((t) => t.plugin === p.name).map((t) => ({ name: t.name, kind: t.kind, unit: t.unit, defaults: t.defaults ?? {} })),
    channels: registry.channels.filter((c) => c.plugin === p.name).map((c) => ({ name: c.name, unit: c.unit, range: c.range, ...(c.integer === true ? { integer: true } : {}) })),
    thresholds: registry.thresholds.filter((t) => t.plugin === p.name).map((t) => ({
      rule: t.rule, channel: t.channel, ...(t.above !== undefined ? { above: t.above } : { below: t.below }), forMinutes: t.forMinutes, severity: t.severity,
    })),
    facts: registry.facts.filter((f) => f.plugin === p.name).map((f) => ({ name: f.name, reads: f.reads, writes: f.writes })),
    rules: registry.rules.filter((r) => r.plugin === p.name).map((r) => r.name),
    problems: (problems.get(p.name) ?? []).map(({ line: _, ...rest }) => rest),
  }));
  const errors = [...problems.values()].flat().some((x) => x.severity === "error");
  if (values.json) {
    console.log(JSON.stringify({ sdk: SDK_VERSION, config: config.file, plugins: list }, null, 2));
    return errors ? 1 : 0;
  }
  console.log(`SDK ${SDK_VERSION}; configuration: ${config.file ?? "none (built-in plugins only)"}`);
  for (const p of list) {
    console.log(`\n${p.name} ${p.version}`);
    for (const t of p.meterTypes) console.log(`  meter type  ${t.name} (${t.kind}, ${t.unit})${Object.keys(t.defaults).length > 0 ? ` ${JSON.stringify(t.defaults)}` : ""}`);
    // A dimensionless channel has no unit to show; an integer one takes whole numbers only.
    for (const c of p.channels) console.log(`  channel     ${c.name} (${c.unit === "" ? "" : `${c.unit}, `}${c.range.min} to ${c.range.max}${c.integer ? ", whole numbers" : ""})`);
    for (const t of p.thresholds) {
      const limit = "above" in t ? `> ${t.above}` : `< ${t.below}`;
      console.log(`  threshold   ${t.rule}: ${t.channel} ${limit}${t.forMinutes > 0 ? ` for ${t.forMinutes} min` : ""}, ${t.severity}`);
    }
    for (const f of p.facts) console.log(`  fact        ${f.name}: ${f.reads.join(", ")} -> ${f.writes.join(", ")}`);
    for (const r of p.rules) console.log(`  rules       ${r}`);
    for (const x of problems.get(p.name) ?? []) console.log(`  ${x.severity.padEnd(11)} ${x.line}`);
  }
  if (errors) console.log("\nrule files with errors: meterflow run refuses them (see meterflow rules check --config FILE)");
  return errors ? 1 : 0;
}

/** Per plugin, the errors of its rule files (loaded as a run loads them) or, when none, the linter's warnings. */
async function ruleProblems(registry: PluginRegistry): Promise<Map<string, RuleProblem[]>> {
  const inline = pluginRuleFiles(registry.rules);
  const byFile = new Map(inline.map((f) => [f.file, f.plugin]));
  const facts = [...registry.channels.map((c) => c.name), ...registry.facts.flatMap((f) => f.writes as readonly string[])];
  const out = new Map<string, RuleProblem[]>();
  const add = (plugin: string | undefined, problem: RuleProblem) => {
    if (plugin === undefined) return;
    if (!out.has(plugin)) out.set(plugin, []);
    out.get(plugin)?.push(problem);
  };
  try {
    const set = await loadRuleFiles([], { inline, facts: knownFacts(facts) });
    for (const w of lintPluginRules(set, facts)) {
      add(w.plugin, { severity: "warning", code: w.code, file: w.file, rule: w.rule, path: w.path, message: w.message, line: formatRuleWarning(w) });
    }
  } catch (error) {
    if (!(error instanceof RulesInvalidError)) throw error;
    for (const i of error.issues) {
      add(byFile.get(i.file), { severity: "error", code: i.code, file: i.file, rule: i.rule, path: i.path, message: i.message, line: `${formatIssue(i, i.code)} [${i.code}]` });
    }
  }
  return out;
}
