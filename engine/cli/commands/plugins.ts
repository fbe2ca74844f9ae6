// `meterflow plugins`: the plugins a run would load (built-ins and the configured ones) and what
// each contributes: meter types, sensor channels with their ranges, thresholds, derived facts.
import { parseArgs } from "node:util";
import { loadPlugins, readPluginConfig } from "../../plugins/index.js";
import { SDK_VERSION } from "../../../sdk/index.js";

export const PLUGINS_HELP = `Usage: meterflow plugins [--config FILE] [--json]

Lists the plugins a run loads (the built-in ones, then those named in the configuration file,
default ./meterflow.config.json when it exists) and what each contributes: meter types with
their units and defaults, sensor channels with their units and physical ranges, thresholds with
their durations, derived facts and rule files. --json prints the same as JSON.`;

export async function plugins(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" }, json: { type: "boolean", default: false } } });
  const config = readPluginConfig(values.config);
  const registry = await loadPlugins(config);
  const list = registry.plugins.map((p) => ({
    name: p.name,
    version: p.version,
    meterTypes: registry.meterTypes.filter((t) => t.plugin === p.name).map((t) => ({ name: t.name, kind: t.kind, unit: t.unit, defaults: t.defaults ?? {} })),
    channels: registry.channels.filter((c) => c.plugin === p.name).map((c) => ({ name: c.name, unit: c.unit, range: c.range })),
    thresholds: registry.thresholds.filter((t) => t.plugin === p.name).map((t) => ({
      rule: t.rule, channel: t.channel, ...(t.above !== undefined ? { above: t.above } : { below: t.below }), forMinutes: t.forMinutes, severity: t.severity,
    })),
    facts: registry.facts.filter((f) => f.plugin === p.name).map((f) => ({ name: f.name, reads: f.reads, writes: f.writes })),
    rules: registry.rules.filter((r) => r.plugin === p.name).map((r) => r.name),
  }));
  if (values.json) {
    console.log(JSON.stringify({ sdk: SDK_VERSION, config: config.file, plugins: list }, null, 2));
    return 0;
  }
  console.log(`SDK ${SDK_VERSION}; configuration: ${config.file ?? "none (built-in plugins only)"}`);
  for (const p of list) {
    console.log(`\n${p.name} ${p.version}`);
    for (const t of p.meterTypes) console.log(`  meter type  ${t.name} (${t.kind}, ${t.unit})${Object.keys(t.defaults).length > 0 ? ` ${JSON.stringify(t.defaults)}` : ""}`);
    for (const c of p.channels) console.log(`  channel     ${c.name} (${c.unit}, ${c.range.min} to ${c.range.max})`);
    for (const t of p.thresholds) {
      const limit = "above" in t ? `> ${t.above}` : `< ${t.below}`;
      console.log(`  threshold   ${t.rule}: ${t.channel} ${limit}${t.forMinutes > 0 ? ` for ${t.forMinutes} min` : ""}, ${t.severity}`);
    }
    for (const f of p.facts) console.log(`  fact        ${f.name}: ${f.reads.join(", ")} -> ${f.writes.join(", ")}`);
    for (const r of p.rules) console.log(`  rules       ${r}`);
  }
  return 0;
}
