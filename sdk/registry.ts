// The registry of plugins: what the engine (in every thread) and the test engine of
// `meterflow/sdk/testing` register plugins with. The rules:
// - register(plugin) checks, in this order, and throws the first failing check's PluginError
//   (hook `register`), registering nothing:
//   1. the descriptor is valid (validatePlugin): MF_ERR_PLUGIN_INVALID, listing every problem;
//   2. no plugin of that name is registered: MF_ERR_PLUGIN_DUPLICATE;
//   3. its `sdk` range includes SDK_VERSION: MF_ERR_PLUGIN_SDK_RANGE;
//   4. every dependency is registered already, with a version satisfying its range:
//      MF_ERR_PLUGIN_DEPENDENCY, listing every one that is not (so dependencies register first);
//   5. its references can work, given its direct dependencies (referenceProblems): every
//      threshold watches a channel of the plugin or of a direct dependency, with a limit a valid
//      value can pass and a hysteresis band ending inside the channel's range; every fact reads
//      columns something provides (a reading field, a channel or fact column of the plugin or
//      of a direct dependency): MF_ERR_PLUGIN_INVALID, listing every problem;
//   6. nothing it defines is defined already: a meter type name, a channel name, a fact column
//      (channels and fact columns share one namespace, the columns rules read):
//      MF_ERR_PLUGIN_CONFLICT, listing every conflict and the plugin it conflicts with.
// - registerAll(plugins) validates every descriptor (a threshold or fact using a name that a
//   plugin registered or given provides, without depending on it, gets the hint "plugin X
//   provides it: add it to dependencies"), then registers them ordered by dependency
//   (each as early as the order given allows, so independent plugins keep that order). A
//   dependency that is neither registered nor given, or a cycle, is MF_ERR_PLUGIN_DEPENDENCY.
//   All or nothing: when one fails, the registry is left as it was.
// - Lookups list things in registration order; thresholds carry their rule id
//   `<plugin>/<threshold name>` and `forMinutes` (0 when not given); rule files their `name`
//   (the plugin's name when not given). Everything registered is frozen.
// - setup(context) runs the setup hook of each plugin not yet set up, in registration order,
//   and awaits it; the first failure stops it and rejects with MF_ERR_PLUGIN_HOOK (hook `setup`,
//   the error as `cause`). A plugin counts as set up when its hook resolved (or it has none).
// - teardown() runs the teardown hook of every plugin set up, in reverse order, attempting every
//   one even when some fail, then rejects with the first failure (MF_ERR_PLUGIN_HOOK, hook
//   `teardown`). Afterwards no plugin counts as set up: setup may run again.
// - runFacts(columns, length) runs every fact in registration order (computeFact): missing input
//   columns read as NaN, outputs start NaN and are added to `columns`, so later facts and the
//   rules read them. A throw is MF_ERR_PLUGIN_FACT with hook `facts:<fact name>`.
import { describeProblems, PluginError, pluginLabel } from "./errors.js";
import type { ValidationProblem } from "./errors.js";
import { computeFact, errorMessage } from "./fact-runner.js";
import type { RegisteredFact } from "./fact-runner.js";
import type { MeterTypeDefinition } from "./meter-types.js";
import type { PluginContext, PluginDescriptor, RuleFile } from "./plugin.js";
import type { SensorChannelDefinition, ThresholdDefinition } from "./sensors.js";
import { satisfies } from "./semver.js";
import { descriptorProblems, provides, referenceProblems } from "./validate.js";
import type { ChannelRange } from "./validate.js";
import { SDK_VERSION } from "./version.js";

/** A meter type with the plugin that defines it. */
export type RegisteredMeterType = MeterTypeDefinition & { readonly plugin: string };
/** A sensor channel with the plugin that defines it. */
export type RegisteredChannel = SensorChannelDefinition & { readonly plugin: string };
/** A threshold with its plugin, its rule id `<plugin>/<name>` and its duration (0 when not given). */
export interface RegisteredThreshold extends ThresholdDefinition {
  readonly plugin: string;
  readonly rule: string;
  readonly forMinutes: number;
}
/** A rule file with its plugin; `name` defaults to the plugin's name. */
export interface RegisteredRuleFile extends RuleFile {
  readonly plugin: string;
  readonly name: string;
}
export type { RegisteredFact } from "./fact-runner.js";

/** What setup and teardown are given. */
export interface HookOptions {
  /** Receives each plugin's log messages, prefixed `[plugin <name>] `; default console.error. */
  readonly log?: (message: string) => void;
}

interface State {
  plugins: PluginDescriptor[];
  meterTypes: Map<string, RegisteredMeterType>;
  channels: Map<string, RegisteredChannel>;
  /** Fact column -> the plugin writing it. */
  columns: Map<string, string>;
  thresholds: RegisteredThreshold[];
  facts: RegisteredFact[];
  rules: RegisteredRuleFile[];
}

/**
 * Plugins registered, and everything they contribute.
 *
 * @example
 * const registry = new PluginRegistry();
 * registry.registerAll([environment, coldChain]);     // dependencies first, whatever the order
 * await registry.setup({ log: (m) => logger.info(m) });
 * registry.runFacts(columns, length);                  // adds dew_point, ... to columns
 * await registry.teardown();
 */
export class PluginRegistry {
  #state: State = { plugins: [], meterTypes: new Map(), channels: new Map(), columns: new Map(), thresholds: [], facts: [], rules: [] };
  #setUp: PluginDescriptor[] = [];
  #log: (message: string) => void = (message) => console.error(message);

  /** Registers one plugin after its dependencies; see the file header for the checks. */
  register(plugin: PluginDescriptor): void {
    const name = pluginLabel(plugin);
    const fail = (code: PluginError["code"], message: string, problems?: readonly ValidationProblem[]) =>
      new PluginError(code, name, "register", message, problems === undefined ? {} : { problems });
    const s = this.#state;
    const provider = (column: string) => s.channels.get(column)?.plugin ?? s.columns.get(column);
    const problems = descriptorProblems(plugin, {}, provider);
    if (problems.length > 0) throw fail("MF_ERR_PLUGIN_INVALID", describeProblems(problems), problems);
    const existing = this.plugin(plugin.name);
    if (existing !== undefined) throw fail("MF_ERR_PLUGIN_DUPLICATE", `a plugin named "${name}" is registered already (version ${existing.version})`);
    if (!satisfies(SDK_VERSION, plugin.sdk)) throw fail("MF_ERR_PLUGIN_SDK_RANGE", `needs SDK ${plugin.sdk}, this is SDK ${SDK_VERSION}`);

    const dependencies = Object.entries(plugin.dependencies ?? {});
    const unmet = dependencies.flatMap(([dep, range]) => {
      const found = this.plugin(dep);
      if (found === undefined) return [`"${dep}" ${range} is not registered (register it first)`];
      return satisfies(found.version, range) ? [] : [`"${dep}" ${range} is needed, version ${found.version} is registered`];
    });
    if (unmet.length > 0) throw fail("MF_ERR_PLUGIN_DEPENDENCY", `unmet dependencies: ${unmet.join("; ")}`);

    const depNames = new Set(dependencies.map(([dep]) => dep));
    const depChannels = new Map<string, ChannelRange>();
    for (const c of s.channels.values()) if (depNames.has(c.plugin)) depChannels.set(c.name, { ...c.range, integer: c.integer === true });
    const depColumns = new Set([...s.columns].filter(([, from]) => depNames.has(from)).map(([column]) => column));
    const refs = referenceProblems(plugin, { complete: true, channels: depChannels, columns: depColumns, provider });
    if (refs.length > 0) throw fail("MF_ERR_PLUGIN_INVALID", describeProblems(refs), refs);

    const conflicts: string[] = [];
    const owner = (column: string): string | undefined => {
      const channel = s.channels.get(column)?.plugin;
      if (channel !== undefined) return `channel of plugin "${channel}"`;
      const fact = s.columns.get(column);
      return fact === undefined ? undefined : `fact column of plugin "${fact}"`;
    };
    for (const t of plugin.meterTypes ?? []) {
      const other = s.meterTypes.get(t.name)?.plugin;
      if (other !== undefined) conflicts.push(`meter type "${t.name}" is a meter type of plugin "${other}"`);
    }
    for (const c of plugin.sensors ?? []) {
      const other = owner(c.name);
      if (other !== undefined) conflicts.push(`channel "${c.name}" is a ${other}`);
    }
    for (const f of plugin.facts ?? []) {
      for (const column of f.writes) {
        const other = owner(column);
        if (other !== undefined) conflicts.push(`fact column "${column}" (fact ${f.name}) is a ${other}`);
      }
    }
    if (conflicts.length > 0) throw fail("MF_ERR_PLUGIN_CONFLICT", conflicts.join("; "));
    this.#commit(plugin);
  }

  /** Registers plugins ordered by their dependencies, all or nothing; see the file header. */
  registerAll(plugins: readonly PluginDescriptor[]): void {
    // A name the plugin uses without depending on its provider gets the hint "plugin X provides
    // it: add it to dependencies", from the plugins registered or given.
    const s = this.#state;
    const provider = (name: string): string | undefined =>
      s.channels.get(name)?.plugin ?? s.columns.get(name) ?? plugins.find((p) => provides(p, name))?.name;
    for (const plugin of plugins) {
      const problems = descriptorProblems(plugin, {}, (name) => {
        const from = provider(name);
        return from === plugin?.name ? undefined : from;
      });
      if (problems.length > 0) {
        throw new PluginError("MF_ERR_PLUGIN_INVALID", pluginLabel(plugin), "register", describeProblems(problems), { problems });
      }
    }
    const ordered = this.#dependencyOrder(plugins);
    const saved = this.#copyState();
    try {
      for (const plugin of ordered) this.register(plugin);
    } catch (error) {
      this.#state = saved;
      throw error;
    }
  }

  /** Runs the setup hooks of the plugins not yet set up, in registration order. */
  async setup(context: HookOptions = {}): Promise<void> {
    if (context.log !== undefined) this.#log = context.log;
    for (const plugin of this.#state.plugins) {
      if (this.#setUp.includes(plugin)) continue;
      const hooks = plugin.hooks;
      try {
        if (hooks?.setup !== undefined) await hooks.setup(this.#context(plugin));
      } catch (error) {
        throw new PluginError("MF_ERR_PLUGIN_HOOK", plugin.name, "setup", `setup failed: ${errorMessage(error)}`, { cause: error });
      }
      this.#setUp.push(plugin);
    }
  }

  /** Runs the teardown hooks of the plugins set up, in reverse order, every one of them. */
  async teardown(context: HookOptions = {}): Promise<void> {
    if (context.log !== undefined) this.#log = context.log;
    const plugins = this.#setUp.reverse();
    this.#setUp = [];
    let first: PluginError | undefined;
    for (const plugin of plugins) {
      const hooks = plugin.hooks;
      try {
        if (hooks?.teardown !== undefined) await hooks.teardown(this.#context(plugin));
      } catch (error) {
        first ??= new PluginError("MF_ERR_PLUGIN_HOOK", plugin.name, "teardown", `teardown failed: ${errorMessage(error)}`, { cause: error });
      }
    }
    if (first !== undefined) throw first;
  }

  /**
   * Runs every registered fact over a batch: `columns` (each at least `length` long) gains the
   * columns the facts write. Returns `columns`.
   */
  runFacts(columns: Record<string, Float64Array>, length: number): Record<string, Float64Array> {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`length must be an integer >= 0, got ${length}`);
    for (const fact of this.#state.facts) computeFact(fact, columns, length);
    return columns;
  }

  /** The plugins, in registration order. */
  get plugins(): readonly PluginDescriptor[] {
    return this.#state.plugins;
  }

  /** The plugin of that name. */
  plugin(name: string): PluginDescriptor | undefined {
    return this.#state.plugins.find((p) => p.name === name);
  }

  /** The meter type of that name (a registry row's `type`). */
  meterType(name: string): RegisteredMeterType | undefined {
    return this.#state.meterTypes.get(name);
  }

  get meterTypes(): readonly RegisteredMeterType[] {
    return [...this.#state.meterTypes.values()];
  }

  /** The sensor channel of that name. */
  channel(name: string): RegisteredChannel | undefined {
    return this.#state.channels.get(name);
  }

  get channels(): readonly RegisteredChannel[] {
    return [...this.#state.channels.values()];
  }

  get thresholds(): readonly RegisteredThreshold[] {
    return this.#state.thresholds;
  }

  get facts(): readonly RegisteredFact[] {
    return this.#state.facts;
  }

  get rules(): readonly RegisteredRuleFile[] {
    return this.#state.rules;
  }

  #commit(plugin: PluginDescriptor): void {
    const s = this.#state;
    const from = plugin.name;
    s.plugins.push(plugin);
    for (const t of plugin.meterTypes ?? []) s.meterTypes.set(t.name, Object.freeze({ ...t, plugin: from }));
    for (const c of plugin.sensors ?? []) s.channels.set(c.name, Object.freeze({ ...c, plugin: from }));
    for (const t of plugin.thresholds ?? []) {
      s.thresholds.push(Object.freeze({ ...t, plugin: from, rule: `${from}/${t.name}`, forMinutes: t.forMinutes ?? 0 }));
    }
    for (const f of plugin.facts ?? []) {
      for (const column of f.writes) s.columns.set(column, from);
      const { name, description, reads, writes } = f;
      const compute: RegisteredFact["compute"] = (input, output, length) => f.compute(input, output, length);
      s.facts.push(Object.freeze({ name, description, reads, writes, plugin: from, compute }));
    }
    for (const r of plugin.rules ?? []) s.rules.push(Object.freeze({ ...r, name: r.name ?? from, plugin: from }));
  }

  #copyState(): State {
    const s = this.#state;
    return {
      plugins: [...s.plugins],
      meterTypes: new Map(s.meterTypes),
      channels: new Map(s.channels),
      columns: new Map(s.columns),
      thresholds: [...s.thresholds],
      facts: [...s.facts],
      rules: [...s.rules],
    };
  }

  /** `plugins` ordered so each comes after its dependencies, otherwise as given. */
  #dependencyOrder(plugins: readonly PluginDescriptor[]): PluginDescriptor[] {
    const given = new Map<string, PluginDescriptor>();
    for (const p of plugins) {
      const other = given.get(p.name);
      if (other === p) throw new PluginError("MF_ERR_PLUGIN_DUPLICATE", p.name, "register", `the plugin "${p.name}" is given twice`);
      if (other !== undefined) {
        // Another plugin of the same name (a copy of a built-in's name, say): not the same one twice.
        throw new PluginError("MF_ERR_PLUGIN_DUPLICATE", p.name, "register", `two different plugins are named "${p.name}" (versions ${other.version} and ${p.version}): `
          + "a plugin's name is unique among all plugins, the built-in ones included; give yours its own (its npm package name)");
      }
      given.set(p.name, p);
    }
    const deps = (p: PluginDescriptor) => Object.keys(p.dependencies ?? {});
    for (const p of plugins) {
      const missing = deps(p).filter((d) => !given.has(d) && this.plugin(d) === undefined);
      if (missing.length > 0) {
        const list = missing.map((d) => `"${d}" ${p.dependencies?.[d]}`).join(", ");
        throw new PluginError("MF_ERR_PLUGIN_DEPENDENCY", p.name, "register", `needs ${list}: neither registered nor among the plugins given`);
      }
    }
    const ordered: PluginDescriptor[] = [];
    const placed = new Set<string>();
    const pending = [...plugins];
    while (pending.length > 0) {
      const i = pending.findIndex((p) => deps(p).every((d) => placed.has(d) || !given.has(d)));
      if (i < 0) {
        const cycle = findCycle(pending, deps);
        throw new PluginError("MF_ERR_PLUGIN_DEPENDENCY", cycle[0] as string, "register", `dependency cycle: ${cycle.join(" -> ")}`);
      }
      const [next] = pending.splice(i, 1) as [PluginDescriptor];
      ordered.push(next);
      placed.add(next.name);
    }
    return ordered;
  }

  #context(plugin: PluginDescriptor): PluginContext {
    const prefix = `[plugin ${plugin.name}] `;
    return { sdkVersion: SDK_VERSION, log: (message) => this.#log(prefix + message) };
  }
}

/** A cycle among plugins none of which can be placed: names, the first repeated at the end. */
function findCycle(pending: readonly PluginDescriptor[], deps: (p: PluginDescriptor) => string[]): string[] {
  const byName = new Map(pending.map((p) => [p.name, p]));
  const path: string[] = [];
  let current = pending[0] as PluginDescriptor;
  while (!path.includes(current.name)) {
    path.push(current.name);
    // Every pending plugin waits on at least one pending dependency.
    current = byName.get(deps(current).find((d) => byName.has(d)) as string) as PluginDescriptor;
  }
  return [...path.slice(path.indexOf(current.name)), current.name];
}
