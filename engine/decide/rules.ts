// Decisions by rules: the compiled rule set evaluated on each reading's facts. Events decide:
// `hold` (reason) and `temp_bad` (reason; the meter stays flagged until cleared) keep a reading
// from billing, `alert` (severity, channel, message) goes to alerts.csv. A rule that throws on a
// reading holds that reading with reason `rule_error:<rule>`; it never fails the batch.
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { MeterflowError } from "../errors.js";
import { compileColumnarSet } from "../rules/columnar.js";
import type { ColumnarRuleSet, FactColumn } from "../rules/columnar.js";
import { compileRules } from "../rules/compile.js";
import type { CompiledRule } from "../rules/compile.js";
import { createFacts, FACTS, factTypes } from "../rules/facts.js";
import type { ReadingFacts } from "../rules/facts.js";
import { compileFast } from "../rules/fast.js";
import { lintRules, loadRuleFiles } from "../rules/load/index.js";
import type { LoadedRule, RuleFactType, RuleSet, RuleWarning } from "../rules/load/index.js";
import { rulesVersion } from "../rules/load/index.js";
import type { ConditionProperties, RuleProperties } from "../rules/types.js";
import { packageRoot } from "../wasm/paths.js";

/** The default rule files shipped with meterflow. */
export function defaultRuleFiles(): string[] {
  const dir = join(packageRoot(), "engine", "rules", "default");
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => join(dir, f));
}

/** An alert a rule raised for a reading. */
export interface Alert {
  rule: string;
  severity: string;
  channel: string;
  message: string;
}

/** What the rules decided for one reading. */
export interface RuleDecision {
  /** `|`-separated hold reasons; "" when billable. */
  reasons: string;
  /** The reason of a temp_bad event, when one fired (the meter gets flagged). */
  tempBad: string | undefined;
  /** Alerts raised (the same array, emptied by the next call). */
  alerts: Alert[];
}


/** One set of rules a run uses: the default rules, rule files given, or a plugin's rule files. */
export interface RuleSetUse {
  /** `defaults` (the shipped rules), `files` (--rules) or `plugin`. */
  kind: "defaults" | "files" | "plugin";
  /** The plugin's name (kind `plugin`). */
  plugin?: string;
  files: string[];
  rules: number;
  /** Rules of the set that can hold a reading (hold or temp_bad events on reading rows). */
  holds: number;
  /** Rules of the set evaluated on sensor rows. */
  sensor_rows: number;
}

/** A plugin's rule file as the registry holds it (sdk/registry.ts RegisteredRuleFile). */
export interface PluginRuleFile {
  plugin: string;
  name: string;
  rules: readonly object[];
  conditions?: Readonly<Record<string, object>>;
  rows?: string;
}

/**
 * The plugins' rule files as the loader takes them (`inline`): named `plugin <plugin>: <file>`. A
 * plugin's named conditions are its own, as its rule names are: the engine knows them as
 * `<plugin>/<name>`, and the plugin's references to them are rewritten so (two plugins may each
 * define a condition `night`).
 */
export function pluginRuleFiles(files: readonly PluginRuleFile[]): Array<{ file: string; json: unknown; plugin: string }> {
  const own = new Map<string, Set<string>>();
  for (const f of files) {
    for (const name of Object.keys(f.conditions ?? {})) {
      let names = own.get(f.plugin);
      if (names === undefined) own.set(f.plugin, (names = new Set()));
      names.add(name);
    }
  }
  return files.map((f) => {
    const names = own.get(f.plugin);
    const scope = (node: unknown): unknown => (names === undefined ? node : scoped(node, f.plugin, names));
    const rules = f.rules.map((r) => (isRecord(r) && "conditions" in r ? { ...r, conditions: scope(r.conditions) } : r));
    const conditions = f.conditions === undefined ? undefined
      : Object.fromEntries(Object.entries(f.conditions).map(([name, c]) => [`${f.plugin}/${name}`, scope(c)]));
    return {
      file: `plugin ${f.plugin}: ${f.name}`,
      plugin: f.plugin,
      json: { ...(f.rows === undefined ? {} : { rows: f.rows }), rules, ...(conditions ? { conditions } : {}) },
    };
  });
}

/** A condition tree with its references to `names` (the plugin's own conditions) as `<plugin>/<name>`. */
function scoped(node: unknown, plugin: string, names: ReadonlySet<string>): unknown {
  if (!isRecord(node)) return node;
  if (typeof node.condition === "string" && names.has(node.condition)) return { ...node, condition: `${plugin}/${node.condition}` };
  const out: Record<string, unknown> = { ...node };
  for (const key of ["all", "any"]) if (Array.isArray(node[key])) out[key] = (node[key] as unknown[]).map((n) => scoped(n, plugin, names));
  if ("not" in node) out.not = scoped(node.not, plugin, names);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Prints a warning before a run, loudly, on stderr (`meterflow: warning: ...`). */
export { warnOnStderr } from "../errors.js";

/** Every fact a rule may name: the engine's reading facts, then the plugins' (channels, derived facts). */
export function knownFacts(pluginFacts: readonly string[] = []): string[] {
  return [...Object.keys(FACTS), ...pluginFacts];
}

/**
 * The rule linter's warnings (engine/rules/load/lint.ts) about the plugins' rule files of a loaded
 * set, each naming its plugin (`plugin` and a file `plugin <name>: <rule file>`): what a run
 * prints before it starts, `meterflow plugins` and `rules check` list, and the conformance suite
 * fails on. `pluginFacts` are the plugins' channels and derived facts (number facts).
 */
export function lintPluginRules(set: RuleSet, pluginFacts: readonly string[] = []): RuleWarning[] {
  return lintLoaded(set, pluginFacts).filter((w) => w.plugin !== undefined);
}

/** The rule linter's warnings about every file of a loaded set, `pluginFacts` as number facts. */
function lintLoaded(set: RuleSet, pluginFacts: readonly string[]): RuleWarning[] {
  const types: Record<string, RuleFactType> = { ...factTypes() };
  for (const name of pluginFacts) types[name] = "number";
  return lintRules(set, { factTypes: types });
}

/** A lint warning as one line: `<file>: rule "<rule>": <path>: <message> [<code>]`. */
export function formatRuleWarning(w: RuleWarning): string {
  const rule = w.rule === null ? "" : ` rule "${w.rule}":`;
  return `${w.file}:${rule} ${w.path || "-"}: ${w.message} [${w.code}]`;
}

/** The name an alert or a rule_error reason gives a rule: `<plugin>/<rule>` for a plugin's rule. */
export function ruleLabel(loaded: LoadedRule): string {
  return loaded.plugin === undefined ? String(loaded.rule.name) : `${loaded.plugin}/${loaded.rule.name}`;
}

export class RulesDecider {
  readonly version: string;
  readonly files: readonly string[];
  /** The rule sets in use, with their counts (summary.json `rules.sets`). */
  readonly sets: readonly RuleSetUse[];
  /** Rules evaluated on reading rows (rows "reading" or "both"). */
  private readonly rules: readonly CompiledRule[];
  /** Per rule: its fast expression (fast.ts) when it has one, else the exact closure. */
  private readonly tests: ReadonlyArray<(facts: ReadingFacts) => boolean>;
  /** The rules' columnar evaluator (bit i for the i-th rule), when every rule has one (columnar.ts). */
  readonly columnar: ColumnarRuleSet | undefined;
  /** The facts the rules name (columns are built for these only). */
  readonly uses: ReadonlySet<string>;
  private readonly names: readonly string[];
  private readonly decision: RuleDecision = { reasons: "", tempBad: undefined, alerts: [] };
  /** Rules evaluated on sensor rows (rows "sensor" or "both"): only their alerts act there. */
  private readonly sensorRules: readonly CompiledRule[];
  private readonly sensorNames: readonly string[];
  private readonly sensorDecision: RuleDecision = { reasons: "", tempBad: undefined, alerts: [] };
  /** The lint's warnings about the plugins' rule files (lintPluginRules). */
  readonly pluginWarnings: readonly RuleWarning[];
  /**
   * The linter's warnings about the `--rules` files (`rules check` lists them): a run says them
   * before it starts, as the plugins' (a misspelt event type, `"Hold"`, holds nothing: the
   * readings it was written for would be billed without a word).
   */
  readonly fileWarnings: readonly RuleWarning[];
  /** The facts the conditions of reading rules that hold (hold or temp_bad events) name. */
  private readonly holdFacts: ReadonlySet<string>;
  /** The number facts the plugins add (channels, derived facts). */
  private readonly extraFacts: readonly string[];

  private constructor(set: RuleSet, extraFacts: readonly string[] = [], kind: "defaults" | "files" = "files") {
    const conditions = new Map<string, ConditionProperties>(set.conditions.map((c) => [c.name, c.conditions as ConditionProperties]));
    const compiled = compileRules(set.rules.map((r) => r.rule as RuleProperties), { conditions });
    const fallbacks = compiled.rules.filter((r) => r.kind === "fallback");
    if (fallbacks.length > 0) {
      throw new MeterflowError("MF_ERR_RULES_NOT_COMPILABLE", `rules the pipeline cannot compile: ${compiled.warnings.join("; ")}`);
    }
    const all = set.rules.map((loaded, i) => ({ loaded, compiled: compiled.rules[i] as CompiledRule }));
    // Higher priority first, as json-rules-engine orders its events; all rules are evaluated.
    const byPriority = all.slice().sort((a, b) => b.compiled.priority - a.compiled.priority);
    const reading = byPriority.filter((r) => r.loaded.rows !== "sensor");
    const sensor = byPriority.filter((r) => r.loaded.rows === "sensor" || r.loaded.rows === "both");
    this.rules = reading.map((r) => r.compiled);
    this.names = reading.map((r) => ruleLabel(r.loaded));
    this.sensorRules = sensor.map((r) => r.compiled);
    this.sensorNames = sensor.map((r) => ruleLabel(r.loaded));
    const known = new Set([...Object.keys(FACTS), ...extraFacts]);
    this.tests = this.rules.map((r) => compileFast(r.rule, conditions, known) ?? r.evaluate);
    // Columnar evaluation when every rule allows it (at most 32 rules: one bit each per row).
    const kinds = Object.fromEntries(Object.entries(FACTS).filter(([, f]) => f.type !== "string").map(([name, f]) => [name, f.type])) as Record<string, "number" | "boolean">;
    for (const name of extraFacts) kinds[name] = "number";
    this.columnar = compileColumnarSet(this.rules.map((r) => r.rule), conditions, kinds);
    const used = new Set<string>();
    for (const r of set.rules) factsOf(r.rule.conditions, used);
    for (const c of set.conditions) factsOf(c.conditions, used);
    this.uses = used;
    this.holdFacts = holdFacts(set);
    this.extraFacts = extraFacts;
    this.version = rulesVersion(set);
    this.files = set.files;
    this.sets = ruleSets(set, kind);
    const lint = lintLoaded(set, extraFacts);
    this.pluginWarnings = lint.filter((w) => w.plugin !== undefined);
    this.fileWarnings = this.sets.some((s) => s.kind === "files") ? lint.filter((w) => w.plugin === undefined) : [];
  }

  /**
   * Loads, validates and compiles rule files (the default rules when none are given), with the
   * plugins' rule files (`inline`) and the number facts plugins add (channels, derived facts).
   * Every fact a rule names must exist (the engine's reading facts and `facts`): a misspelt fact
   * or operator rejects with RulesInvalidError (`MF_ERR_RULES_UNKNOWN_FACT`,
   * `MF_ERR_RULES_UNKNOWN_OPERATOR`, or `MF_ERR_RULES_INVALID` for mixed problems).
   */
  static async load(paths?: readonly string[], plugins: { inline?: ReadonlyArray<{ file: string; json: unknown; plugin?: string }>; facts?: readonly string[] } = {}): Promise<RulesDecider> {
    const defaults = defaultRuleFiles();
    const same = paths !== undefined && paths.length === defaults.length && paths.every((p, i) => resolve(p) === defaults[i]);
    const kind = paths === undefined || same ? "defaults" : "files";
    const set = await loadRuleFiles([...(paths ?? defaults)], { inline: plugins.inline, facts: knownFacts(plugins.facts) });
    return new RulesDecider(set, plugins.facts, kind);
  }

  /** A decider over a rule set already loaded (and checked): the SDK's test engine uses it. */
  static fromRuleSet(set: RuleSet, pluginFacts: readonly string[] = [], kind: "defaults" | "files" = "files"): RulesDecider {
    return new RulesDecider(set, pluginFacts, kind);
  }

  /** Whether some rule is evaluated on sensor rows. */
  get hasSensorRules(): boolean {
    return this.sensorRules.length > 0;
  }

  /** Whether some rule can hold a reading (a hold or temp_bad event on reading rows). */
  get holds(): boolean {
    return this.sets.some((s) => s.holds > 0);
  }

  /**
   * What a person should be told before a run with these rules: what the rule linter finds in the
   * `--rules` files and the plugins' rule files (each naming its plugin), that no rule can hold a reading (every reading
   * is billed), and that rule files replaced the default rules.
   */
  warnings(): string[] {
    const out: string[] = [...this.fileWarnings, ...this.pluginWarnings].map(formatRuleWarning);
    const files = this.sets.filter((s) => s.kind === "files").flatMap((s) => s.files);
    // The default files among them (a set that adds a file to the defaults) replace nothing.
    const given = new Set(files.map((f) => resolve(f)));
    const dropped = defaultRuleFiles().filter((f) => !given.has(f));
    if (files.length > 0 && dropped.length > 0) out.push(`--rules replaces the default rules: only ${files.join(", ")}${this.sets.some((s) => s.kind === "plugin") ? " and the plugins' rules" : ""} decide (to keep the default rules, add ${dropped.join(" ")})`);
    if (!this.holds) out.push("no hold rules: every reading will be billed (no rule holds or flags temp_bad; check --rules)");
    else if (files.length > 0) {
      // The default rules' holds that keep a wrong bill out, which a replacing rule set may have lost.
      for (const [fact, rule, what] of GUARD_HOLDS) {
        if (!this.holdFacts.has(fact) || !this.holdsWith(fact)) {
          out.push(`no hold rule holds a reading with ${fact} true: ${what} will be billed (the default rule ${rule} holds them; add it to the --rules files)`);
        }
      }
    }
    return out;
  }

  /**
   * Whether the rules hold an ordinary reading (10 kWh over a day, read automatically, nothing
   * flagged) once `fact` is true: a rule naming the fact in a way no flagged meter meets
   * (`meter_temp_bad equal false`) does not keep a guard of the default rules.
   */
  private holdsWith(fact: string): boolean {
    const facts = createFacts();
    for (const name of this.extraFacts) facts[name] = null;
    Object.assign(facts, ORDINARY_READING, { [fact]: true });
    const reasons = this.decide(facts).reasons;
    return reasons.split("|").some((r) => r !== "" && !r.startsWith("rule_error:"));
  }

  /**
   * Evaluates the sensor-row rules on a sensor row's facts (reading facts null, its channel
   * values and the derived facts computed on them). Only alerts act on a sensor row; a rule that
   * throws raises nothing. The returned object is reused by the next call.
   */
  decideSensor(facts: ReadingFacts): RuleDecision {
    const d = this.sensorDecision;
    d.alerts.length = 0;
    for (let i = 0; i < this.sensorRules.length; i++) {
      const rule = this.sensorRules[i];
      let fired: boolean;
      try {
        fired = rule.evaluate(facts);
      } catch {
        continue;
      }
      if (!fired || rule.event.type !== "alert") continue;
      const params = rule.event.params;
      d.alerts.push({ rule: this.sensorNames[i], severity: String(params?.severity ?? "warning"), channel: String(params?.channel ?? ""), message: String(params?.message ?? "") });
    }
    return d;
  }

  /** Evaluates every rule on `facts`. The returned object is reused by the next call. */
  decide(facts: ReadingFacts): RuleDecision {
    this.begin();
    const tests = this.tests;
    for (let i = 0; i < tests.length; i++) {
      let fired: boolean;
      try {
        fired = tests[i](facts);
      } catch {
        this.decision.reasons = join2(this.decision.reasons, `rule_error:${this.names[i]}`);
        continue;
      }
      if (fired) this.apply(i);
    }
    return this.decision;
  }

  /**
   * The rules that fire on `facts`, as evaluateColumns sets them (bit i for the i-th rule; only
   * when `columnar` is set): the columnar decision of one reading, for a round of a few. -1 when
   * a rule throws (the columnar form decides then).
   */
  firedOf(facts: ReadingFacts): number {
    const tests = this.tests;
    let bits = 0;
    for (let i = 0; i < tests.length; i++) {
      try {
        if (tests[i](facts)) bits |= 1 << i;
      } catch {
        return -1;
      }
    }
    return bits >>> 0;
  }

  /**
   * Evaluates every rule for rows [0, n) of `columns` at once (only when `columnar` is set, so at
   * most 32 rules): sets per row the bits of the rules that fire, bit i for the i-th rule.
   */
  evaluateColumns(columns: Readonly<Record<string, FactColumn>>, n: number, fired: Uint32Array): void {
    this.columnar!(columns, n, fired);
  }

  /** The decision of a row whose fired rules are known (bits from evaluateColumns). Reused object. */
  decideFired(fired: number): RuleDecision {
    this.begin();
    for (let i = 0; fired !== 0; i++, fired >>>= 1) if ((fired & 1) !== 0) this.apply(i);
    return this.decision;
  }

  private begin(): void {
    this.decision.reasons = "";
    this.decision.tempBad = undefined;
    this.decision.alerts.length = 0;
  }

  /** Applies the event of rule `i`, which fired. */
  private apply(i: number): void {
    const d = this.decision;
    const { type, params } = this.rules[i].event;
    const reason = typeof params?.reason === "string" ? params.reason : this.names[i];
    if (type === "hold") d.reasons = join2(d.reasons, reason);
    else if (type === "temp_bad") {
      d.tempBad ??= reason;
      d.reasons = join2(d.reasons, `temp_bad:${reason}`);
    } else if (type === "alert") {
      d.alerts.push({ rule: this.names[i], severity: String(params?.severity ?? "warning"), channel: String(params?.channel ?? ""), message: String(params?.message ?? "") });
    }
  }
}

/** The facts of an ordinary billable reading (RulesDecider.holdsWith): the rest are createFacts' placeholders. */
const ORDINARY_READING: ReadingFacts = {
  meter_id: "M-1", end: "2026-01-02", value: 110, source: "auto", meter_type: "electricity.register", unit: "kWh",
  scaling_factor: 1, consumption: 10, previous: 100, days: 1, daily: 10, history_readings: 30, average_daily: 10,
  average_daily_high: 50, average_daily_low: 0.5,
};

/** Facts the default rules hold on whose loss a run warns of: the fact, its default rule, what would be billed. */
const GUARD_HOLDS = [
  ["meter_temp_bad", "meter-temp-bad (temp-bad.json)", "readings of meters flagged temp_bad (by an operator or a rule)"],
  ["implausible_rollover", "implausible-rollover (eligibility.json)", "implausible rollovers (a typo below the previous reading billed as a wrap of the register)"],
] as const;

/**
 * Adds to `into` the facts a condition tree names; with `named` (the set's named conditions), the
 * facts of the named conditions it references too (each once).
 */
function factsOf(c: unknown, into: Set<string>, named?: ReadonlyMap<string, unknown>, seen = new Set<string>()): void {
  if (c === null || typeof c !== "object") return;
  const o = c as Record<string, unknown>;
  if (typeof o.fact === "string") into.add(o.fact);
  if (named !== undefined && typeof o.condition === "string" && !seen.has(o.condition)) {
    seen.add(o.condition);
    factsOf(named.get(o.condition), into, named, seen);
  }
  for (const v of Object.values(o)) if (v !== null && typeof v === "object") factsOf(v, into, named, seen);
}

/** The facts named by the conditions (named conditions followed) of the reading rules that can hold a reading. */
function holdFacts(set: RuleSet): Set<string> {
  const named = new Map(set.conditions.map((c) => [c.name, c.conditions as unknown]));
  const facts = new Set<string>();
  for (const r of set.rules) {
    if (r.rows !== "sensor" && (r.rule.event.type === "hold" || r.rule.event.type === "temp_bad")) factsOf(r.rule.conditions, facts, named);
  }
  return facts;
}

/** The rule sets of a loaded set: its files (defaults or --rules) as one, each plugin's as one. */
function ruleSets(set: RuleSet, kind: "defaults" | "files"): RuleSetUse[] {
  const sets = new Map<string, RuleSetUse>();
  const own: RuleSetUse = { kind, files: set.files.filter((f) => !f.startsWith("plugin ")), rules: 0, holds: 0, sensor_rows: 0 };
  sets.set("", own);
  for (const r of set.rules) {
    const key = r.plugin ?? "";
    let use = sets.get(key);
    if (use === undefined) sets.set(key, (use = { kind: "plugin", plugin: r.plugin, files: [], rules: 0, holds: 0, sensor_rows: 0 }));
    if (!use.files.includes(r.file) && r.plugin !== undefined) use.files.push(r.file);
    use.rules++;
    if (r.rows !== "sensor" && (r.rule.event.type === "hold" || r.rule.event.type === "temp_bad")) use.holds++;
    if (r.rows !== "reading") use.sensor_rows++;
  }
  return [...sets.values()];
}

function join2(list: string, item: string): string {
  if (list === "") return item;
  return `|${list}|`.includes(`|${item}|`) ? list : `${list}|${item}`;
}
