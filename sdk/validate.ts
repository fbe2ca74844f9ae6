// Runtime validation of a plugin descriptor: plugins also come from plain JavaScript, and
// definePlugin's types cannot catch a misspelt field (a generic accepts extra properties).
// validatePlugin returns every problem with its path; PluginRegistry.register throws one
// PluginError MF_ERR_PLUGIN_INVALID listing them all. The rules, by path:
// - the descriptor: an object with only the fields of PluginDescriptor; `name` a non-empty
//   string, `version` a semver version, `sdk` a non-empty semver range, `dependencies` an object
//   of plugin names (not the plugin itself) to non-empty ranges.
// - `meterTypes[i]`: `name` like `gas.register` (/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$/), unique in
//   the plugin; `unit` non-empty; `description` a string; `kind` `register` or `pulse`.
//   Register defaults (optional): scalingFactor finite > 0, digits an integer 1..22, rolloverMode
//   `documented` | `modulus`. Pulse defaults (required): pulseWeight finite > 0, pulseInput
//   `s0a` | `s0b` | `namur` | `reed`, debounceMs, pulseWidthMs, qmax finite >= 0, noPulseDays a
//   whole number >= 1
//   (what the engine's meter registry accepts for the same columns).
// - `sensors[i]`: `name` /^[a-z][a-z0-9_.]*$/, unique in the plugin, not a RESERVED_NAMES name;
//   `unit` and `description` strings (a unit may be empty: a dimensionless channel); `range`
//   finite `min` < `max`.
// - `thresholds[i]`: `name` /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, unique in the plugin; `channel` one
//   of the plugin's channels or, when it has dependencies, possibly a dependency's (checked at
//   registration: unknownThresholdChannels); exactly one of `above` / `below`, finite;
//   `forMinutes` and `hysteresis` finite >= 0 when given; `severity` info | warning | critical; `message`
//   non-empty.
// - `facts[i]`: `name` as a threshold's, unique in the plugin; `description` a string; `reads`
//   and `writes` non-empty arrays of column names (/^[a-z][a-z0-9_.]*$/) without repeats;
//   `compute` a function; a written column is not read by the same fact, not written by another
//   fact of the plugin, not a channel of the plugin and not a RESERVED_NAMES name; a fact does
//   not read a column that a later fact of the plugin writes (facts run in order).
// - `rules[i]`: an object with an optional string `name`, optional `conditions` object (shared
//   named conditions) and a `rules` array of objects, each with a `conditions` object and an
//   `event` object whose `type` is a string.
// - `hooks`: an object with only `setup` and `teardown`, each a function when present.
import { READING_FACTS, RECORD_FIELDS } from "./reading-facts.js";
import type { ValidationProblem } from "./errors.js";
import { isRange, isVersion } from "./semver.js";

/** Options of validatePlugin. */
export interface ValidateOptions {
  /**
   * The channels of the plugin's dependencies. When given, every threshold must watch one of the
   * plugin's own channels or one of these; when absent, a threshold on another channel is a
   * problem only for a plugin without dependencies.
   */
  readonly dependencyChannels?: ReadonlySet<string>;
}

/**
 * Names the engine's readings and facts already use (README "Inputs", "Rules", "Pulse meters"):
 * no channel and no fact column may take one. Derived from READING_FACTS and RECORD_FIELDS.
 *
 * @example
 * RESERVED_NAMES.has("consumption");   // true: a fact may not write it
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...READING_FACTS.map((f) => f.name), ...RECORD_FIELDS]);

const METER_TYPE_NAME = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$/;
const CHANNEL_NAME = /^[a-z][a-z0-9_.]*$/;
const ITEM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SEVERITIES = ["info", "warning", "critical"];
const PULSE_INPUTS = ["s0a", "s0b", "namur", "reed"];
const PLUGIN_KEYS = ["name", "version", "sdk", "dependencies", "meterTypes", "sensors", "thresholds", "facts", "rules", "hooks"];

type Add = (path: string, message: string) => void;
type Obj = Record<string, unknown>;

/**
 * Every problem of a plugin descriptor (an empty array when it is valid).
 *
 * @example
 * const problems = validatePlugin(plugin);
 * // [{ path: "sensors[0].range", message: "min must be below max" }]
 */
export function validatePlugin(plugin: unknown, options: ValidateOptions = {}): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add: Add = (path, message) => problems.push({ path, message });
  if (!isObject(plugin)) {
    add("descriptor", "must be an object (a definePlugin descriptor)");
    return problems;
  }
  keys(plugin, PLUGIN_KEYS, "", add);
  if (!nonEmpty(plugin.name)) add("name", "must be a non-empty string");
  if (!isVersion(plugin.version)) add("version", "must be a semver version such as 1.0.0");
  if (!nonEmpty(plugin.sdk) || !isRange(plugin.sdk)) add("sdk", "must be a semver range such as ^1.0.0");
  if (plugin.dependencies !== undefined) {
    if (!isObject(plugin.dependencies)) add("dependencies", "must be an object of plugin names to version ranges");
    else {
      for (const [name, range] of Object.entries(plugin.dependencies)) {
        if (name.trim() === "" || name === plugin.name) add(`dependencies.${name}`, "must name another plugin");
        if (!nonEmpty(range) || !isRange(range)) add(`dependencies.${name}`, "must be a semver range such as ^1.0.0");
      }
    }
  }
  each(plugin.meterTypes, "meterTypes", add, (t, path) => meterType(t, path, add));
  const channels = new Set<string>();
  each(plugin.sensors, "sensors", add, (s, path) => sensor(s, path, add, channels));
  each(plugin.thresholds, "thresholds", add, (t, path) => threshold(t, path, add));
  facts(plugin.facts, channels, add);
  each(plugin.rules, "rules", add, (f, path) => ruleFile(f, path, add));
  if (plugin.hooks !== undefined) {
    if (!isObject(plugin.hooks)) add("hooks", "must be an object");
    else {
      keys(plugin.hooks, ["setup", "teardown"], "hooks.", add);
      for (const hook of ["setup", "teardown"]) {
        const fn = plugin.hooks[hook];
        if (fn !== undefined && typeof fn !== "function") add(`hooks.${hook}`, "must be a function");
      }
    }
  }
  unique(plugin.meterTypes, "meterTypes", "meter type", add);
  unique(plugin.thresholds, "thresholds", "threshold", add);
  unique(plugin.facts, "facts", "fact", add);
  problems.push(...unknownThresholdChannels(plugin, options.dependencyChannels));
  return problems;
}

/**
 * Thresholds whose channel is neither the plugin's nor, when `dependencyChannels` is given, one
 * of those (without it: any channel is possible for a plugin with dependencies).
 *
 * @example
 * unknownThresholdChannels(coldChain, new Set(["temperature", "humidity"]));   // [] when all are known
 */
export function unknownThresholdChannels(plugin: unknown, dependencyChannels?: ReadonlySet<string>): ValidationProblem[] {
  if (!isObject(plugin) || !Array.isArray(plugin.thresholds)) return [];
  const own = new Set(Array.isArray(plugin.sensors) ? plugin.sensors.map((s) => (isObject(s) ? s.name : undefined)) : []);
  const hasDependencies = isObject(plugin.dependencies) && Object.keys(plugin.dependencies).length > 0;
  const problems: ValidationProblem[] = [];
  plugin.thresholds.forEach((t, i) => {
    if (!isObject(t) || typeof t.channel !== "string" || own.has(t.channel)) return;
    if (dependencyChannels === undefined ? hasDependencies : dependencyChannels.has(t.channel)) return;
    const where = hasDependencies ? "of this plugin or of its dependencies" : "of this plugin (it has no dependencies)";
    problems.push({ path: `thresholds[${i}].channel`, message: `"${t.channel}" is not a channel ${where}` });
  });
  return problems;
}

function meterType(t: Obj, path: string, add: Add): void {
  keys(t, ["name", "unit", "description", "kind", "defaults"], `${path}.`, add);
  if (typeof t.name !== "string" || !METER_TYPE_NAME.test(t.name)) add(`${path}.name`, "must be like medium.kind (gas.register): lowercase letters, digits, _ and one or more dots");
  if (!nonEmpty(t.unit)) add(`${path}.unit`, "must be a non-empty string (kWh, m3, ...)");
  if (typeof t.description !== "string") add(`${path}.description`, "must be a string");
  const d = t.defaults;
  if (t.kind === "register") {
    if (d === undefined) return;
    if (!isObject(d)) return add(`${path}.defaults`, "must be an object");
    keys(d, ["scalingFactor", "digits", "rolloverMode"], `${path}.defaults.`, add);
    if (d.scalingFactor !== undefined && !(finite(d.scalingFactor) && d.scalingFactor > 0)) add(`${path}.defaults.scalingFactor`, "must be a finite number > 0");
    if (d.digits !== undefined && !(Number.isInteger(d.digits) && (d.digits as number) >= 1 && (d.digits as number) <= 22)) add(`${path}.defaults.digits`, "must be an integer from 1 to 22");
    if (d.rolloverMode !== undefined && d.rolloverMode !== "documented" && d.rolloverMode !== "modulus") add(`${path}.defaults.rolloverMode`, 'must be "documented" or "modulus"');
  } else if (t.kind === "pulse") {
    if (!isObject(d)) return add(`${path}.defaults`, "must be an object with pulseWeight (a pulse meter type)");
    keys(d, ["pulseWeight", "pulseInput", "debounceMs", "pulseWidthMs", "qmax", "noPulseDays"], `${path}.defaults.`, add);
    if (!(finite(d.pulseWeight) && d.pulseWeight > 0)) add(`${path}.defaults.pulseWeight`, "must be a finite number > 0");
    if (d.pulseInput !== undefined && !PULSE_INPUTS.includes(d.pulseInput as string)) add(`${path}.defaults.pulseInput`, `must be one of ${PULSE_INPUTS.join(", ")}`);
    for (const k of ["debounceMs", "pulseWidthMs", "qmax"]) {
      if (d[k] !== undefined && !(finite(d[k]) && d[k] >= 0)) add(`${path}.defaults.${k}`, "must be a finite number >= 0");
    }
    // Whole days, at least one: 0 would flag every interval without pulses at once.
    if (d.noPulseDays !== undefined && !(Number.isInteger(d.noPulseDays) && (d.noPulseDays as number) >= 1)) {
      add(`${path}.defaults.noPulseDays`, "must be a whole number of days >= 1");
    }
  } else add(`${path}.kind`, 'must be "register" or "pulse"');
}

function sensor(s: Obj, path: string, add: Add, channels: Set<string>): void {
  keys(s, ["name", "unit", "description", "range", "integer"], `${path}.`, add);
  if (s.integer !== undefined && typeof s.integer !== "boolean") add(`${path}.integer`, "must be true or false");
  if (typeof s.name !== "string" || !CHANNEL_NAME.test(s.name)) add(`${path}.name`, "must be lowercase letters, digits, _ and . starting with a letter");
  else if (RESERVED_NAMES.has(s.name)) add(`${path}.name`, `"${s.name}" is a name the engine's readings use`);
  else if (channels.has(s.name)) add(`${path}.name`, `channel "${s.name}" is defined twice`);
  else channels.add(s.name);
  if (typeof s.unit !== "string") add(`${path}.unit`, "must be a string (empty for a dimensionless channel)");
  if (typeof s.description !== "string") add(`${path}.description`, "must be a string");
  const r = s.range;
  if (!isObject(r)) return add(`${path}.range`, "must be an object { min, max }");
  keys(r, ["min", "max"], `${path}.range.`, add);
  if (!finite(r.min)) add(`${path}.range.min`, "must be a finite number");
  if (!finite(r.max)) add(`${path}.range.max`, "must be a finite number");
  if (finite(r.min) && finite(r.max) && !(r.min < r.max)) add(`${path}.range`, "min must be below max");
}

function threshold(t: Obj, path: string, add: Add): void {
  keys(t, ["name", "channel", "above", "below", "forMinutes", "hysteresis", "severity", "message"], `${path}.`, add);
  if (t.hysteresis !== undefined && !(finite(t.hysteresis) && t.hysteresis >= 0)) add(`${path}.hysteresis`, "must be a finite number >= 0");
  if (typeof t.name !== "string" || !ITEM_NAME.test(t.name)) add(`${path}.name`, "must be letters, digits, _, . and - (too-warm)");
  if (typeof t.channel !== "string" || !CHANNEL_NAME.test(t.channel)) add(`${path}.channel`, "must be a channel name");
  if ((t.above === undefined) === (t.below === undefined)) add(path, "must have exactly one of above and below");
  if (t.above !== undefined && !finite(t.above)) add(`${path}.above`, "must be a finite number");
  if (t.below !== undefined && !finite(t.below)) add(`${path}.below`, "must be a finite number");
  if (t.forMinutes !== undefined && !(finite(t.forMinutes) && t.forMinutes >= 0)) add(`${path}.forMinutes`, "must be a finite number >= 0");
  if (!SEVERITIES.includes(t.severity as string)) add(`${path}.severity`, `must be one of ${SEVERITIES.join(", ")}`);
  if (!nonEmpty(t.message)) add(`${path}.message`, "must be a non-empty string");
}

function facts(list: unknown, channels: ReadonlySet<string>, add: Add): void {
  const written = new Map<string, number>();
  const reads: Array<[number, string]> = [];
  each(list, "facts", add, (f, path, i) => {
    keys(f, ["name", "description", "reads", "writes", "compute"], `${path}.`, add);
    if (typeof f.name !== "string" || !ITEM_NAME.test(f.name)) add(`${path}.name`, "must be letters, digits, _, . and - (dew-point)");
    if (typeof f.description !== "string") add(`${path}.description`, "must be a string");
    if (typeof f.compute !== "function") add(`${path}.compute`, "must be a function");
    const r = columns(f.reads, `${path}.reads`, add);
    const w = columns(f.writes, `${path}.writes`, add);
    for (const name of r) reads.push([i, name]);
    w.forEach((name, j) => {
      const at = `${path}.writes[${j}]`;
      if (r.includes(name)) add(at, `"${name}" is also read by this fact`);
      if (channels.has(name)) add(at, `"${name}" is a channel of this plugin`);
      if (RESERVED_NAMES.has(name)) add(at, `"${name}" is a name the engine's readings and facts use`);
      if (written.has(name)) add(at, `"${name}" is written by facts[${written.get(name)}] too`);
      else written.set(name, i);
    });
  });
  for (const [i, name] of reads) {
    const writer = written.get(name);
    if (writer !== undefined && writer > i) add(`facts[${i}].reads`, `"${name}" is written by facts[${writer}], which runs later: list it first`);
  }
}

function columns(value: unknown, path: string, add: Add): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    add(path, "must be a non-empty array of column names");
    return [];
  }
  const names: string[] = [];
  value.forEach((name, i) => {
    if (typeof name !== "string" || !CHANNEL_NAME.test(name)) add(`${path}[${i}]`, "must be a column name: lowercase letters, digits, _ and . starting with a letter");
    else if (names.includes(name)) add(`${path}[${i}]`, `"${name}" is listed twice`);
    else names.push(name);
  });
  return names;
}

function ruleFile(f: Obj, path: string, add: Add): void {
  keys(f, ["name", "rules", "conditions"], `${path}.`, add);
  if (f.name !== undefined && typeof f.name !== "string") add(`${path}.name`, "must be a string");
  if (f.conditions !== undefined && !isObject(f.conditions)) add(`${path}.conditions`, "must be an object of named conditions");
  each(f.rules, `${path}.rules`, add, (rule, at) => {
    if (!isObject(rule.conditions)) add(`${at}.conditions`, "must be an object (all, any, not or condition)");
    if (!isObject(rule.event) || typeof rule.event.type !== "string") add(`${at}.event`, "must be an object with a string type");
  }, true);
}

/** Checks each element of an optional array (required when `required`) that must hold objects. */
function each(list: unknown, path: string, add: Add, check: (item: Obj, path: string, index: number) => void, required = false): void {
  if (list === undefined && !required) return;
  if (!Array.isArray(list)) return add(path, "must be an array");
  list.forEach((item, i) => {
    if (isObject(item)) check(item, `${path}[${i}]`, i);
    else add(`${path}[${i}]`, "must be an object");
  });
}

function unique(list: unknown, path: string, what: string, add: Add): void {
  if (!Array.isArray(list)) return;
  const seen = new Set<unknown>();
  list.forEach((item, i) => {
    const name = isObject(item) ? item.name : undefined;
    if (typeof name !== "string") return;
    if (seen.has(name)) add(`${path}[${i}].name`, `${what} "${name}" is defined twice`);
    seen.add(name);
  });
}

function keys(o: Obj, allowed: readonly string[], prefix: string, add: Add): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) add(`${prefix}${key}`, `unknown field (allowed: ${allowed.join(", ")})`);
  }
}

function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function finite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
