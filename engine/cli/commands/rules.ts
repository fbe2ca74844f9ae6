// `meterflow rules check` and `meterflow rules test`: validate and lint rule files (check: with
// the plugins' rule files, as a run loads them), and show what rules do with given facts, leaf by
// leaf, so a rule author sees why a rule fired or did not.
import { readFile } from "node:fs/promises";
import { parseOptions } from "../args.js";
import { Engine, factTypes, lintRules, loadRuleFiles, RulesInvalidError, RulesParseError, RulesReadError, rulesVersion } from "../../rules/index.js";
import type { AnnotatedCondition, ConditionProperties, RuleIssue, RuleProperties, RuleResult, RuleSet, RuleWarning, RunResult } from "../../rules/index.js";
import { parseRuleFile } from "../../rules/load/index.js";
import type { RuleFactType } from "../../rules/load/index.js";
import { UsageError } from "../errors.js";
import { MeterflowError, unreadableReason } from "../../errors.js";
import { defaultRuleFiles, knownFacts, pluginRuleFiles, RulesDecider } from "../../decide/rules.js";
import { loadPlugins, readPluginConfig } from "../../plugins/index.js";
import { FACTS } from "../../rules/facts.js";

export const RULES_HELP = `Usage: meterflow rules check [--config FILE] [FILE...]
       meterflow rules test [--config FILE] [FILE...] --facts FACTS.json [--json]

check  Loads the rule files (the default rules when no FILE is given) with the plugins' own rule
       files (built-in plugins, and those of the configuration), as a run does, and prints every
       issue of every file as "file: rule: path: message [code]" (a plugin's rule file is named
       "plugin <name>: <rule file>"), then the lint's warnings as
       "warning: file: rule: path: message [code]", the rules version and a count. A fact must
       be one of the engine's reading facts or of the plugins': a misspelt fact is
       MF_ERR_RULES_UNKNOWN_FACT, a misspelt operator MF_ERR_RULES_UNKNOWN_OPERATOR, an event
       type meterflow does not act on MF_ERR_RULES_UNKNOWN_EVENT in a plugin's rule file (the
       warning MF_WARN_RULES_UNKNOWN_EVENT in yours). Rules of which none can hold a reading
       (e.g. a file []) are valid but warned about (MF_WARN_RULES_NO_HOLDS): a run with them
       bills everything. Exit status 0 when the rules are valid (warnings allowed), 1 when not.

test   Runs each facts object of FACTS.json (one object, or an array of them) through the rules
       and prints which rules fired (event type and params) and which did not, with every leaf
       condition: fact value, operator, value and result. A fact the object leaves out is null,
       as in a run. A facts object the engine rejects is printed as "error: <message>" and makes
       the exit status 1.

Options:
  --config FILE  plugin configuration whose plugins' facts rules may name, and whose plugins'
                 rule files check checks too (default ./meterflow.config.json when it
                 exists; built-in plugins always)
  --facts FILE   JSON file of facts objects (test)                     [required for test]
  --json         print the engine's raw results as JSON (test)`;

export async function rules(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "check") return check(rest);
  if (sub === "test") return test(rest);
  throw new UsageError(`unknown rules command "${sub ?? ""}" (see meterflow rules --help)`);
}


/** The plugins of the configuration and the built-in plugins: their facts (channels, derived facts) and rule files. */
async function configuredPlugins(config: string | undefined): Promise<{ facts: string[]; ruleFiles: PluginRules }> {
  const c = readPluginConfig(config);
  const registry = await loadPlugins({ baseDir: c.baseDir, plugins: c.plugins, meters: c.meters, builtins: true });
  const facts = [...registry.channels.map((ch) => ch.name), ...registry.facts.flatMap((f) => f.writes as readonly string[])];
  return { facts, ruleFiles: pluginRuleFiles(registry.rules) };
}

type PluginRules = ReturnType<typeof pluginRuleFiles>;

async function pluginFactNames(config: string | undefined): Promise<string[]> {
  return (await configuredPlugins(config)).facts;
}

async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions({ args: argv, allowPositionals: true, options: { config: { type: "string" } } });
  const files = positionals.length > 0 ? positionals : defaultRuleFiles();
  // The plugins' rule files are checked with the files given, as a run loads them together.
  const { facts: plugin, ruleFiles } = await configuredPlugins(values.config);
  const ruleSet = await load(files, plugin, ruleFiles);
  if (ruleSet === undefined) return 1;
  const types: Record<string, RuleFactType> = { ...factTypes(), ...Object.fromEntries(plugin.map((name) => [name, "number" as const])) };
  const warnings = lintRules(ruleSet, { factTypes: types });
  const decider = RulesDecider.fromRuleSet(ruleSet, plugin);
  if (!decider.holds) {
    warnings.push({ code: "MF_WARN_RULES_NO_HOLDS", file: files.join(", "), rule: null, path: "",
      message: ruleSet.rules.length === 0 ? "no rules: a run with only these rules bills every reading" : "no hold rules: no rule holds a reading or flags temp_bad, so a run with only these rules bills every reading" });
  }
  for (const w of warnings) console.log(formatWarning(w));
  console.log(`rules version ${rulesVersion(ruleSet)}`);
  console.log(`${count(files.length, "file")}${pluginFiles(ruleFiles)}, ${count(ruleSet.rules.length, "rule")}, ` +
    `${count(ruleSet.conditions.length, "named condition")}: valid, ${count(warnings.length, "warning")}`);
  return 0;
}

async function test(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv,
    allowPositionals: true,
    options: { facts: { type: "string" }, json: { type: "boolean", default: false }, config: { type: "string" } },
  });
  if (values.facts === undefined) throw new UsageError("rules test needs --facts FACTS.json (see meterflow rules --help)");
  const input = await readFacts(values.facts);
  const files = positionals.length > 0 ? positionals : defaultRuleFiles();
  const plugin = await pluginFactNames(values.config);
  const ruleSet = await load(files, plugin);
  if (ruleSet === undefined) return 1;
  const engine = new Engine();
  for (const named of ruleSet.conditions) engine.setCondition(named.name, named.conditions as ConditionProperties);
  for (const loaded of ruleSet.rules) engine.addRule(loaded.rule as RuleProperties);

  const sources: Sources = {
    rules: new Map(ruleSet.rules.map((r) => [r.rule.name, r.rule.conditions])),
    conditions: new Map(ruleSet.conditions.map((c) => [c.name, c.conditions])),
  };
  // As in a run, every fact exists: one the facts object leaves out is null (README "Rules").
  const absent = Object.fromEntries([...Object.keys(FACTS), ...plugin].map((name) => [name, null]));
  const list = (Array.isArray(input) ? input : [input]).map((facts) => ({ ...absent, ...facts }));
  const outcomes: Array<RunResult | { error: string }> = [];
  for (const facts of list) {
    try {
      outcomes.push(await engine.run(facts));
    } catch (error) {
      outcomes.push({ error: error instanceof Error ? error.message : String(error) });
    }
  }
  const errors = outcomes.filter((o) => "error" in o).length;
  if (values.json) {
    console.log(JSON.stringify(Array.isArray(input) ? outcomes : outcomes[0], null, 2));
    return errors > 0 ? 1 : 0;
  }
  console.log(`rules version ${rulesVersion(ruleSet)}: ${count(ruleSet.rules.length, "rule")} from ${count(files.length, "file")}`);
  outcomes.forEach((outcome, i) => {
    console.log("");
    console.log(`facts[${i}]${describeFacts(list[i])}`);
    if ("error" in outcome) console.log(`  error: ${outcome.error}`);
    else printRun(outcome, ruleSet.rules.length, sources);
  });
  console.log("");
  console.log(`${count(list.length, "facts object")}: ${list.length - errors} ran, ${count(errors, "error")}`);
  return errors > 0 ? 1 : 0;
}

/** ` and N plugin rule files` when there are some. */
function pluginFiles(ruleFiles: PluginRules): string {
  return ruleFiles.length === 0 ? "" : ` and ${count(ruleFiles.length, "plugin rule file")}`;
}

/** Loads rule files (and plugins' rule files), printing every issue of every file; undefined when they do not load. */
async function load(files: readonly string[], pluginFacts: readonly string[], inline: PluginRules = []): Promise<RuleSet | undefined> {
  try {
    return await loadRuleFiles(files, { facts: knownFacts(pluginFacts), inline });
  } catch (error) {
    let lines: string[];
    if (error instanceof RulesInvalidError) lines = error.issues.map(formatIssue);
    // loadRuleFiles stops at the first unreadable or unparsable file: look at every one.
    else if (error instanceof RulesReadError || error instanceof RulesParseError) lines = await fileErrors(files);
    else throw error;
    for (const line of lines) console.log(line);
    const skipped = error instanceof RulesInvalidError ? "" : " (validation skipped until every file reads as JSON)";
    console.log(`${count(files.length, "file")}${pluginFiles(inline)}: invalid, ${count(lines.length, "error")}${skipped}`);
    return undefined;
  }
}

async function fileErrors(files: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      lines.push(`${file}: -: -: cannot read: ${(error as Error).message}`);
      continue;
    }
    try {
      parseRuleFile(file, text);
    } catch (error) {
      const e = error as RulesParseError;
      const why = e.cause instanceof Error ? e.cause.message : e.message;
      lines.push(`${file}: -: line ${e.line}, column ${e.column}: not valid JSON: ${why}`);
    }
  }
  return lines;
}

function formatIssue(issue: RuleIssue): string {
  const rule = issue.rule === null ? "-" : typeof issue.rule === "number" ? `#${issue.rule}` : issue.rule;
  return `${issue.file}: ${rule}: ${issue.path || "-"}: ${issue.message} [${issue.code}]`;
}

function formatWarning(w: RuleWarning): string {
  return `warning: ${w.file}: ${w.rule ?? "-"}: ${w.path || "-"}: ${w.message} [${w.code}]`;
}

async function readFacts(path: string): Promise<Record<string, unknown> | Array<Record<string, unknown>>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw factsError(`cannot read facts file ${path}: ${unreadableReason(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw factsError(`facts file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const isFacts = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (Array.isArray(json)) {
    const bad = json.findIndex((v) => !isFacts(v));
    if (bad >= 0) throw factsError(`facts file ${path}: [${bad}] is not an object of facts`);
    return json;
  }
  if (!isFacts(json)) throw factsError(`facts file ${path} must hold an object of facts or an array of them`);
  return json;
}

/** A facts file that cannot be used: an input the command could not read, exit 1, as a run's inputs. */
function factsError(message: string): MeterflowError {
  return new MeterflowError("MF_ERR_FACTS_FILE", message);
}

/** ` meter M-1, end 2026-01-31` when the facts say so: helps find a facts object in a long list. */
function describeFacts(facts: Record<string, unknown>): string {
  const parts = [];
  if (facts.meter_id !== undefined && facts.meter_id !== null) parts.push(`meter ${String(facts.meter_id)}`);
  if (typeof facts.end === "string") parts.push(`end ${facts.end}`);
  return parts.length > 0 ? ` ${parts.join(", ")}` : "";
}

/** The rules' JSON as written, to name the condition references that a run resolves away. */
interface Sources {
  rules: ReadonlyMap<string, unknown>;
  conditions: ReadonlyMap<string, unknown>;
}

function printRun(run: RunResult, total: number, sources: Sources): void {
  console.log(`  ${run.results.length} of ${count(total, "rule")} fired`);
  for (const r of run.results) printRule("fired    ", r, sources);
  for (const r of run.failureResults) printRule("not fired", r, sources);
}

function printRule(label: string, r: RuleResult, sources: Sources): void {
  const params = r.event.params === undefined ? "" : ` ${JSON.stringify(r.event.params)}`;
  console.log(`  ${label} ${String(r.name)} (priority ${r.priority}) -> ${r.event.type}${params}`);
  printCondition(r.conditions, 2, sources.rules.get(String(r.name)), sources, r.result);
}

/**
 * Prints a condition tree annotated by a run: all/any/not with their results, leaves in full.
 * `source` is the same node as written, which names a `{ "condition": name }` the run replaced by
 * the named condition. The root carries no result of its own (neither in json-rules-engine): it is
 * the rule's.
 */
function printCondition(c: AnnotatedCondition, depth: number, source: unknown, sources: Sources, rootResult?: boolean): void {
  const pad = "  ".repeat(depth);
  let src = source as Record<string, unknown> | undefined;
  let label = "";
  if (src !== undefined && typeof src.condition === "string") {
    label = `condition ${src.condition}: `;
    src = sources.conditions.get(src.condition) as Record<string, unknown> | undefined;
  }
  const own = rootResult ?? (Object.prototype.hasOwnProperty.call(c, "result") ? Boolean(c.result) : undefined);
  const result = own === undefined ? "(not evaluated)" : `-> ${String(own)}`;
  for (const key of ["all", "any"] as const) {
    if (!Array.isArray(c[key])) continue;
    console.log(`${pad}${label}${key} ${result}`);
    const kids = Array.isArray(src?.[key]) ? (src[key] as unknown[]) : [];
    (c[key] as AnnotatedCondition[]).forEach((child, i) => printCondition(child, depth + 1, kids[i], sources));
    return;
  }
  if (typeof c.not === "object" && c.not !== null) {
    console.log(`${pad}${label}not ${result}`);
    return printCondition(c.not as AnnotatedCondition, depth + 1, src?.not, sources);
  }
  if (typeof c.condition === "string") {
    // A reference is replaced by the named condition once evaluated: this one never was.
    console.log(`${pad}condition ${c.condition} ${result}`);
    return;
  }
  const evaluated = Object.prototype.hasOwnProperty.call(c, "result");
  const left = operand(c.fact, c.path, evaluated, c.factResult);
  const v = c.value as Record<string, unknown> | null;
  const right = v !== null && typeof v === "object" && Object.prototype.hasOwnProperty.call(v, "fact")
    ? operand(v.fact, v.path, evaluated, c.valueResult)
    : JSON.stringify(c.value) ?? "undefined";
  console.log(`${pad}${label}${left} ${String(c.operator)} ${right} ${result}`);
}

/** `fact.path = value` once evaluated, `fact.path` before. */
function operand(fact: unknown, path: unknown, evaluated: boolean, value: unknown): string {
  const name = `${String(fact)}${typeof path === "string" && path !== "" ? ` ${path}` : ""}`;
  return evaluated ? `${name} = ${JSON.stringify(value) ?? "undefined"}` : name;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
