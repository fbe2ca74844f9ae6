// What every decision needs before its first batch, loaded once per process: the plugins (from
// the configuration, beside the built-ins), their facts, and the rules (files or defaults, plus
// the plugins' rule files). A plugin or rule file that does not load throws here, before any
// store is touched. `meterflow run`, the operator operations and the workers share it.
import { PluginFacts } from "../decide/plugin-facts.js";
import { pluginRuleFiles, RulesDecider } from "../decide/rules.js";
import { threadPluginsOf } from "../plugins/config.js";
import { loadPlugins, readPluginConfig } from "../plugins/index.js";
import type { PluginConfig } from "../plugins/index.js";
import type { PluginRegistry } from "../../sdk/registry.js";

export interface DecisionSetupOptions {
  /** Plugin configuration file; ./meterflow.config.json when it exists. */
  config?: string;
  /** Rule files; the default rules when absent. */
  rules?: string[];
  /** Load the built-in plugins (default true). */
  builtinPlugins?: boolean;
  /**
   * The time zone a decision thread counts days in (its name, as the store records it; default
   * UTC). A thread of the caller's own uses the zone it set (engine/time/current.ts).
   */
  timeZone?: string;
}

/** The loaded plugins, their facts and the compiled rules. */
export interface DecisionSetup {
  plugins: PluginRegistry;
  pluginFacts: PluginFacts;
  rules: RulesDecider;
  /** How a worker thread loads the same plugins. */
  threadPlugins: Pick<PluginConfig, "baseDir" | "plugins" | "meters"> & { builtins: boolean };
}

export async function loadDecisionSetup(options: DecisionSetupOptions): Promise<DecisionSetup> {
  const config = readPluginConfig(options.config);
  const threadPlugins = threadPluginsOf(config, options.builtinPlugins ?? true);
  const plugins = await loadPlugins(threadPlugins);
  const pluginFacts = new PluginFacts(plugins);
  const rules = await RulesDecider.load(options.rules, {
    inline: pluginRuleFiles(plugins.rules),
    facts: pluginFacts.names,
  });
  pluginFacts.use(rules.uses);
  return { plugins, pluginFacts, rules, threadPlugins };
}
