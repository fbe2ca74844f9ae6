// The rules of plugins, checked and loaded as `meterflow run` does (README "Rules"): every rule
// file of the plugins (and any rule files given) validated against the facts that will exist,
// the engine's reading facts plus the registered plugins' channels and derived facts. A misspelt
// fact is MF_ERR_RULES_UNKNOWN_FACT, a misspelt operator MF_ERR_RULES_UNKNOWN_OPERATOR, each with
// its file (`plugin <name>: <rule file>`), rule and JSON path; an event type meterflow does not
// act on is MF_ERR_RULES_UNKNOWN_EVENT. pluginRuleWarnings gives the rule linter's warnings about
// them. Used by the conformance suite and by createTestEngine.
import { defaultRuleFiles, knownFacts, lintPluginRules, pluginRuleFiles } from "../../engine/decide/rules.js";
import { loadRuleFilesSync } from "../../engine/rules/load/index.js";
import type { RuleSet, RuleWarning } from "../../engine/rules/load/index.js";
import type { PluginDescriptor } from "../plugin.js";
import { PluginRegistry } from "../registry.js";

/** What rules to load beside the plugins' own. */
export interface PluginRulesOptions {
  /** Rule files (paths), loaded as `meterflow run --rules` loads them. */
  readonly files?: readonly string[];
  /** Also the engine's default rules (as a run without --rules). Default false. */
  readonly defaultRules?: boolean;
  /** Only the rule files of these plugins (by name); default every registered plugin's. */
  readonly only?: readonly string[];
}

/** The facts the registry's plugins add: their channels, then their derived facts' outputs. */
export function pluginFactNames(registry: PluginRegistry): string[] {
  return [...registry.channels.map((c) => c.name), ...registry.facts.flatMap((f) => f.writes as readonly string[])];
}

/**
 * Loads the rule files of a registry's plugins (and `options.files`, the default rules when
 * asked), checked against the facts that will exist.
 *
 * @throws RulesInvalidError (MF_ERR_RULES_UNKNOWN_FACT, MF_ERR_RULES_UNKNOWN_OPERATOR or
 *   MF_ERR_RULES_INVALID), RulesReadError, RulesParseError.
 */
export function loadPluginRules(registry: PluginRegistry, options: PluginRulesOptions = {}): RuleSet {
  const files = [...(options.defaultRules === true ? defaultRuleFiles() : []), ...(options.files ?? [])];
  const only = options.only;
  const mine = registry.rules.filter((r) => only === undefined || only.includes(r.plugin));
  return loadRuleFilesSync(files, { inline: pluginRuleFiles(mine), facts: knownFacts(pluginFactNames(registry)) });
}

/**
 * Checks the rule files of `plugin` against the facts that exist when it is registered with
 * `plugins` (the built-ins it meets, its dependencies): throws the coded error a run would stop on.
 *
 * @example
 * checkPluginRules(soil, [...BUILTIN_PLUGINS]); // throws RulesInvalidError MF_ERR_RULES_UNKNOWN_FACT for "soil_drynes"
 */
export function checkPluginRules(plugin: PluginDescriptor, plugins: readonly PluginDescriptor[] = []): void {
  const registry = new PluginRegistry();
  registry.registerAll(plugins.includes(plugin) ? plugins : [...plugins, plugin]);
  loadPluginRules(registry, { only: [plugin.name] });
}

/**
 * The rule linter's warnings about the rule files of `plugin` registered with `plugins` (what
 * `meterflow run` prints before it starts, naming the plugin). Throws what checkPluginRules throws.
 *
 * @example
 * pluginRuleWarnings(soil, [...BUILTIN_PLUGINS]);
 * // [{ code: "MF_WARN_RULES_IN_NOT_ARRAY", plugin: "acme-soil", file: "plugin acme-soil: soil", rule: "dry", ... }]
 */
export function pluginRuleWarnings(plugin: PluginDescriptor, plugins: readonly PluginDescriptor[] = []): RuleWarning[] {
  const registry = new PluginRegistry();
  registry.registerAll(plugins.includes(plugin) ? plugins : [...plugins, plugin]);
  return lintPluginRules(loadPluginRules(registry, { only: [plugin.name] }), pluginFactNames(registry));
}
