// Validation of parsed rule files: the file's shape (one rule, an array of rules, or
// `{ rules, conditions }`), each rule and its event (meterflow's temp_bad, hold and alert carry
// required params; a hold or temp_bad `reason` has no `|`, control characters or line breaks:
// reasons are `|`-separated in held.csv), then what spans files: unique rule names, unique named
// conditions, condition references that resolve, and no reference cycles.
// A plugin's rule file is held to more: an event type meterflow does not act on is an error
// (MF_ERR_RULES_UNKNOWN_EVENT; in a user's file only the lint's warning), and its rule names are
// unique within the plugin (its alerts name them `<plugin>/<rule>`), not against other plugins'
// or the user's rule names.
import { childPath } from "./json-path.js";
import { METERFLOW_EVENT_TYPES } from "./lint.js";
import { checkPriority, checkString, has, isObject, nearest, report, validateCondition } from "./validate-condition.js";
import type { ConditionRefSite, ValidationContext } from "./validate-condition.js";
import { RULE_ROWS } from "./types.js";
import type { LoadedRule, NamedCondition, RuleIssue, RuleRows, RuleSet, TopLevelConditionJson, RuleJson } from "./types.js";

/** A file's path and its parsed JSON; `plugin` for a plugin's rule file. */
export interface ParsedRuleFile {
  file: string;
  json: unknown;
  plugin?: string;
}

/** What a hold or temp_bad reason must not hold: `|` (the list separator of held.csv), control characters, line breaks. */
const UNSAFE_REASON = /[|\p{Cc}\u2028\u2029]/u;

/** Severities of meterflow's `alert` event. */
export const ALERT_SEVERITIES: readonly string[] = Object.freeze(["info", "warning", "critical"]);

interface Collected {
  rules: LoadedRule[];
  conditions: NamedCondition[];
  issues: RuleIssue[];
  ruleRefs: ConditionRefSite[];
  conditionRefs: Map<NamedCondition, ConditionRefSite[]>;
}

/** Validates parsed files; returns the rule set, or every issue of every file. */
export function validateRuleFiles(
  files: readonly ParsedRuleFile[],
  customOperators: ReadonlySet<string>,
  facts?: ReadonlySet<string>,
): { ok: true; ruleSet: RuleSet } | { ok: false; issues: RuleIssue[] } {
  const out: Collected = { rules: [], conditions: [], issues: [], ruleRefs: [], conditionRefs: new Map() };
  for (const { file, json, plugin } of files) collectFile(out, { file, plugin, customOperators, facts }, json);
  checkAcrossFiles(out);
  if (out.issues.length > 0) return { ok: false, issues: out.issues };
  return { ok: true, ruleSet: { files: files.map((f) => f.file), rules: out.rules, conditions: out.conditions } };
}

interface FileContext {
  file: string;
  plugin: string | undefined;
  customOperators: ReadonlySet<string>;
  facts: ReadonlySet<string> | undefined;
}

function collectFile(out: Collected, f: FileContext, json: unknown): void {
  const { file, customOperators, facts } = f;
  const ctx = (rule: string | number | null, refs: ConditionRefSite[]): ValidationContext => ({
    file, rule, customOperators, facts, issues: out.issues, refs,
  });
  const fileIssue = (path: string, message: string): void => report(ctx(null, []), "file_shape", path, message);
  const site = (rows: RuleRows) => ({ rows, plugin: f.plugin });
  if (Array.isArray(json)) {
    json.forEach((rule, i) => collectRule(out, ctx(i, out.ruleRefs), rule, i, childPath("", i), site("reading")));
  } else if (isObject(json) && has(json, "rules")) {
    let rows: RuleRows = "reading";
    if (has(json, "rows")) {
      if (typeof json.rows === "string" && (RULE_ROWS as readonly string[]).includes(json.rows)) rows = json.rows as RuleRows;
      else report(ctx(null, []), "rows", "rows", `"rows" must be one of ${RULE_ROWS.map((r) => `"${r}"`).join(", ")}`);
    }
    if (!Array.isArray(json.rules)) fileIssue("rules", `"rules" must be an array`);
    else json.rules.forEach((rule, i) => collectRule(out, ctx(i, out.ruleRefs), rule, i, childPath("rules", i), site(rows)));
    if (!has(json, "conditions")) return;
    if (!isObject(json.conditions)) return fileIssue("conditions", `"conditions" must be an object of named conditions`);
    for (const [name, conditions] of Object.entries(json.conditions)) {
      const pointer = childPath("conditions", name);
      const named: NamedCondition = { file, name, pointer, conditions: conditions as TopLevelConditionJson };
      if (f.plugin !== undefined) named.plugin = f.plugin;
      const refs: ConditionRefSite[] = [];
      if (name === "") report(ctx(null, refs), "empty", pointer, "a named condition needs a name");
      validateCondition(ctx(null, refs), conditions, pointer, true);
      out.conditions.push(named);
      out.conditionRefs.set(named, refs);
    }
  } else if (isObject(json)) {
    collectRule(out, ctx(0, out.ruleRefs), json, 0, "", site("reading"));
  } else {
    fileIssue("", "a rule file holds a rule, an array of rules, or { rules, conditions }");
  }
}

function collectRule(
  out: Collected, ctx: ValidationContext, rule: unknown, index: number, pointer: string, site: { rows: RuleRows; plugin: string | undefined },
): void {
  if (!isObject(rule)) return report(ctx, "type", pointer, "a rule must be an object");
  checkString(ctx, rule, "name", pointer, true);
  if (typeof rule.name === "string" && rule.name !== "") ctx.rule = rule.name;
  // Every rule's name is written into `|`-separated reasons (`rule_error:<name>`) and alerts.
  if (typeof rule.name === "string" && UNSAFE_REASON.test(rule.name)) {
    report(ctx, "characters", childPath(pointer, "name"),
      `"name" must not hold "|", control characters or line breaks: a rule's name is written into "|"-separated reasons (rule_error:<name>) (${JSON.stringify(rule.name)})`);
  }
  checkPriority(ctx, rule, pointer);
  if (!has(rule, "conditions")) report(ctx, "required", childPath(pointer, "conditions"), `"conditions" is required`);
  else validateCondition(ctx, rule.conditions, childPath(pointer, "conditions"), true);
  validateEvent(ctx, rule, pointer);
  const type = isObject(rule.event) ? rule.event.type : undefined;
  if (site.plugin !== undefined && typeof type === "string" && type !== "" && !METERFLOW_EVENT_TYPES.includes(type)) {
    const near = nearest(type, new Set(METERFLOW_EVENT_TYPES));
    report(ctx, "unknown_event", childPath(childPath(pointer, "event"), "type"),
      `meterflow does not act on events of type "${type}"${near === undefined ? "" : ` (did you mean "${near}"?)`}: ` +
      `the rule would do nothing (known: ${METERFLOW_EVENT_TYPES.join(", ")})`, "MF_ERR_RULES_UNKNOWN_EVENT");
  }
  if (site.rows === "sensor" && (type === "hold" || type === "temp_bad")) {
    report(ctx, "rows", childPath(childPath(pointer, "event"), "type"),
      `a "${type}" rule in a file of "rows": "sensor" would never act: a sensor row has no reading to hold (use "alert", or "rows": "both")`);
  }
  const loaded: LoadedRule = { file: ctx.file, index, pointer, rule: rule as unknown as RuleJson, rows: site.rows };
  if (site.plugin !== undefined) loaded.plugin = site.plugin;
  out.rules.push(loaded);
}

function validateEvent(ctx: ValidationContext, rule: Record<string, unknown>, pointer: string): void {
  const at = childPath(pointer, "event");
  if (!has(rule, "event")) return report(ctx, "required", at, `"event" is required`);
  const event = rule.event;
  if (!isObject(event)) return report(ctx, "type", at, `"event" must be an object`);
  checkString(ctx, event, "type", at, true);
  const paramsAt = childPath(at, "params");
  if (has(event, "params") && !isObject(event.params)) return report(ctx, "type", paramsAt, `"params" must be an object`);
  const required =
    event.type === "temp_bad" || event.type === "hold" ? ["reason"] : event.type === "alert" ? ["severity", "channel", "message"] : [];
  if (required.length === 0) return;
  if (!isObject(event.params)) return report(ctx, "required", paramsAt, `a "${event.type}" event needs params`);
  for (const key of required) checkString(ctx, event.params, key, paramsAt, true);
  const reason = event.params.reason;
  if (event.type !== "alert" && typeof reason === "string" && UNSAFE_REASON.test(reason)) {
    report(ctx, "characters", childPath(paramsAt, "reason"),
      `"reason" must not hold "|", control characters or line breaks: reasons are "|"-separated in held.csv (${JSON.stringify(reason)})`);
  } else if (event.type !== "alert" && typeof reason === "string" && reason !== "" && reason.trim() !== reason) {
    // "  " would hold readings with a blank reason; " spike" would be another reason than "spike".
    report(ctx, "characters", childPath(paramsAt, "reason"),
      `"reason" must not be blank or start or end with spaces: it names why a reading is held (${JSON.stringify(reason)})`);
  }
  const severity = event.params.severity;
  if (event.type === "alert" && typeof severity === "string" && severity !== "" && !ALERT_SEVERITIES.includes(severity)) {
    report(ctx, "enum", childPath(paramsAt, "severity"), `"severity" must be one of ${ALERT_SEVERITIES.join(", ")}`);
  }
}

function checkAcrossFiles(out: Collected): void {
  const issue = (site: { file: string; rule: string | number | null }, reason: RuleIssue["reason"], path: string, message: string): void => {
    out.issues.push({ code: "MF_ERR_RULES_INVALID", reason, file: site.file, rule: site.rule, path, message });
  };
  // A plugin's rule is named `<plugin>/<rule>` in outputs: names are unique by that label, so
  // two plugins (or a plugin and a user's file) may each have a rule "leak".
  const byName = new Map<string, LoadedRule>();
  for (const loaded of out.rules) {
    const name = loaded.rule.name;
    if (typeof name !== "string" || name === "") continue;
    const label = loaded.plugin === undefined ? name : `${loaded.plugin}/${name}`;
    const first = byName.get(label);
    if (first === undefined) byName.set(label, loaded);
    else issue({ file: loaded.file, rule: name }, "duplicate_name", childPath(loaded.pointer, "name"), `rule name "${name}" is already used in ${first.file} at ${first.pointer || "the top level"}`);
  }
  const named = new Map<string, NamedCondition>();
  for (const condition of out.conditions) {
    const first = named.get(condition.name);
    if (first === undefined) named.set(condition.name, condition);
    else issue({ file: condition.file, rule: null }, "duplicate_condition", condition.pointer, `condition "${condition.name}" is already defined in ${first.file}`);
  }
  const allRefs = [...out.ruleRefs, ...[...out.conditionRefs.values()].flat()];
  for (const ref of allRefs) {
    if (!named.has(ref.name)) issue(ref, "unknown_condition", ref.path, `no condition named "${ref.name}"`);
  }
  // Depth-first over named conditions; a reference back into the current path closes a cycle.
  const state = new Map<string, "open" | "done">();
  const visit = (condition: NamedCondition, trail: string[]): void => {
    state.set(condition.name, "open");
    for (const ref of out.conditionRefs.get(condition) ?? []) {
      const target = named.get(ref.name);
      if (target === undefined) continue;
      const seen = state.get(ref.name);
      if (seen === "open") {
        const cycle = [...trail.slice(trail.indexOf(ref.name)), ref.name].join(" -> ");
        issue(ref, "condition_cycle", ref.path, `condition references form a cycle: ${cycle}`);
      } else if (seen === undefined) visit(target, [...trail, ref.name]);
    }
    state.set(condition.name, "done");
  };
  for (const condition of named.values()) if (!state.has(condition.name)) visit(condition, [condition.name]);
}
