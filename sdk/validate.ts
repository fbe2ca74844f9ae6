// Runtime validation of a plugin descriptor: plugins also come from plain JavaScript, and
// definePlugin's types catch a misspelt field only in TypeScript.
// validatePlugin returns every problem with its path; PluginRegistry.register throws one
// PluginError MF_ERR_PLUGIN_INVALID listing them all. The rules, by path:
// - the descriptor: an object with only the fields of PluginDescriptor; `name` a non-empty
//   string without leading or trailing whitespace, control characters, line breaks or `|` (it
//   names alerts `<plugin>/<rule>` and `rule_error:` reasons in `|`-separated lists), `version` a semver version, `sdk` a non-empty semver range, `dependencies` an object
//   of plugin names (not the plugin itself) to non-empty ranges.
// - `meterTypes[i]`: `name` like `gas.register` (/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$/), unique in
//   the plugin; `unit` non-empty; `description` a string; `kind` `register` or `pulse`; a name
//   ending in `.pulse` is of kind `pulse` (README "Pulse meters": a registry row of a `.pulse`
//   type without a pulse weight is rejected `bad_pulse_weight`, so a register type of that name
//   could never hold a meter).
//   Register defaults (optional): scalingFactor > 0 and at most 10^9, digits an integer 1..22, rolloverMode
//   `documented` | `modulus`. Pulse defaults (required): pulseWeight > 0 and at most 10^9, pulseInput
//   `s0a` | `s0b` | `namur` | `reed`, debounceMs, pulseWidthMs, qmax finite >= 0, noPulseDays a
//   whole number >= 1
//   (what the engine's meter registry accepts for the same columns).
// - `sensors[i]`: `name` /^[a-z][a-z0-9_.]*$/, unique in the plugin, not a RESERVED_NAMES name;
//   `unit` and `description` strings (a unit may be empty: a dimensionless channel); `range`
//   finite `min` < `max`.
// - `thresholds[i]`: `name` /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, unique in the plugin; `channel` one
//   of the plugin's channels or, when it has dependencies, possibly a dependency's (checked at
//   registration, or here with `options.dependencies`); exactly one of `above` / `below`, finite;
//   `forMinutes` and `hysteresis` finite >= 0 when given; `severity` info | warning | critical; `message`
//   non-empty. When the channel's range is known (a channel of the plugin, or of a dependency
//   given): the limit lies in the range and a valid value can pass it (`above` below `max`,
//   `below` above `min`: the comparison is strict), and the hysteresis band ends inside the range
//   (`above - hysteresis >= min`, `below + hysteresis <= max`), else no value could end an episode.
// - `facts[i]`: `name` as a threshold's, unique in the plugin; `description` a string; `reads`
//   and `writes` non-empty arrays of column names (/^[a-z][a-z0-9_.]*$/) without repeats;
//   `compute` a function; a written column is not read by the same fact, not written by another
//   fact of the plugin, not a channel of the plugin and not a RESERVED_NAMES name; a fact does
//   not read a column that a later fact of the plugin writes (facts run in order); every column
//   read is provided: a reading field (FACT_READING_FIELDS), a channel of the plugin or of a
//   dependency, a column a dependency's fact writes, or one an earlier fact of the plugin writes
//   (anything else would be NaN on every reading). For a plugin with dependencies, checked when
//   `options.dependencies` is given, and always at registration.
// - `rules[i]`: an object with an optional string `name`, optional `rows` (`reading`, `sensor` or
//   `both`: the rows its rules see), optional `conditions` object (shared
//   named conditions) and a `rules` array of objects, each with a `conditions` object and an
//   `event` object whose `type` is a string. Each rule's `name` is a non-empty string without
//   `|`, `,`, control characters or line breaks (it is written to alerts.csv's `rule` column as
//   `<plugin>/<rule>` and to `|`-separated reasons), unique across all the plugin's rule files
//   and not the name of one of its thresholds (both write `<plugin>/<name>` as the alert's rule);
//   a `hold` or `temp_bad` event's `params.reason` has no `|`, control characters or line
//   breaks (reasons are `|`-separated in held.csv; commas are fine, the CSV writer quotes them).
// - `hooks`: an object with only `setup` and `teardown`, each a function when present.
import { READING_FACTS, RECORD_FIELDS } from "./reading-facts.js";
import type { ValidationProblem } from "./errors.js";
import { FACT_READING_FIELDS } from "./facts.js";
import type { PluginDescriptor } from "./plugin.js";
import { isRange, isVersion } from "./semver.js";

/** Options of validatePlugin. */
export interface ValidateOptions {
  /**
   * The channels of the plugin's dependencies. When given, every threshold must watch one of the
   * plugin's own channels or one of these; when absent, a threshold on another channel is a
   * problem only for a plugin without dependencies.
   */
  readonly dependencyChannels?: ReadonlySet<string>;
  /**
   * The plugins it depends on, as descriptors (e.g. from BUILTIN_PLUGINS): their channels, with
   * their ranges, and their facts' columns are then known, so thresholds on their channels and
   * facts reading their columns are checked as fully as the plugin's own (as registration does).
   */
  readonly dependencies?: readonly PluginDescriptor[];
}

/**
 * What a plugin's references may name besides its own channels and facts: its dependencies'
 * channels (with their range when known) and fact columns. `columns` undefined: not known, so
 * facts' inputs that are not the plugin's own are not judged; `complete` false: nothing outside
 * the plugin is known (a plugin with dependencies, validated alone). `provider` names, for a
 * hint, a plugin that provides a name but is not a dependency.
 */
export interface Provided {
  readonly complete: boolean;
  readonly channels: ReadonlyMap<string, ChannelRange | undefined>;
  readonly columns: ReadonlySet<string> | undefined;
  readonly provider?: (name: string) => string | undefined;
}

/** A channel's range and whether it takes whole numbers only. */
export interface ChannelRange {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
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
/** Control characters and line breaks: never in a name or reason written to an output. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
/** What a plugin's rule name must not hold: it is a CSV field and an item of `|`-separated lists. */
const UNSAFE_RULE_NAME = /[|,\p{Cc}\u2028\u2029]/u;
/** What a hold or temp_bad reason must not hold: it is an item of held.csv's `|`-separated reasons. */
const UNSAFE_REASON = /[|\p{Cc}\u2028\u2029]/u;
const CHANNEL_NAME = /^[a-z][a-z0-9_.]*$/;
const ITEM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SEVERITIES = ["info", "warning", "critical"];
const PULSE_INPUTS = ["s0a", "s0b", "namur", "reed"];
/**
 * The largest scaling factor and pulse weight the meter registry takes (the engine's
 * MAX_MULTIPLIER, README "Inputs"): a type's default above it would reject every registry row of
 * the type (bad_scaling_factor, bad_pulse_weight) for a value the row does not even carry.
 */
const MAX_FACTOR = 1e9;
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
  return descriptorProblems(plugin, options);
}

/**
 * validatePlugin, with `provider` naming (for a hint) a plugin that provides a name the plugin
 * uses without depending on it: what the registry runs.
 */
export function descriptorProblems(plugin: unknown, options: ValidateOptions, provider?: (name: string) => string | undefined): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add: Add = (path, message) => problems.push({ path, message });
  if (!isObject(plugin)) {
    add("descriptor", "must be an object (a definePlugin descriptor)");
    return problems;
  }
  keys(plugin, PLUGIN_KEYS, "", add);
  if (!nonEmpty(plugin.name)) add("name", "must be a non-empty string");
  else if (plugin.name.trim() !== plugin.name) add("name", `${JSON.stringify(plugin.name)} has leading or trailing whitespace`);
  else if (CONTROL.test(plugin.name) || plugin.name.includes("|")) {
    add("name", `${JSON.stringify(plugin.name)} must not hold control characters, line breaks or "|" (it names the plugin's alerts and reasons in outputs)`);
  }
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
  ruleNames(plugin, add);
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
  const known = provided(plugin, options);
  problems.push(...referenceProblems(plugin, provider === undefined ? known : { ...known, provider }));
  return problems;
}

/** What validatePlugin knows of the dependencies from its options. */
function provided(plugin: Obj, options: ValidateOptions): Provided {
  const hasDependencies = isObject(plugin.dependencies) && Object.keys(plugin.dependencies).length > 0;
  const channels = new Map<string, ChannelRange | undefined>();
  if (options.dependencies !== undefined) {
    const columns = new Set<string>();
    for (const d of options.dependencies) {
      for (const c of Array.isArray(d?.sensors) ? d.sensors : []) channels.set(c.name, c.range === undefined ? undefined : { ...c.range, integer: c.integer === true });
      for (const f of Array.isArray(d?.facts) ? d.facts : []) for (const w of Array.isArray(f?.writes) ? f.writes : []) columns.add(w);
    }
    return { complete: true, channels, columns };
  }
  if (options.dependencyChannels !== undefined) {
    for (const name of options.dependencyChannels) channels.set(name, undefined);
    return { complete: true, channels, columns: hasDependencies ? undefined : new Set() };
  }
  return { complete: !hasDependencies, channels, columns: hasDependencies ? undefined : new Set() };
}

/**
 * The problems of a plugin's references, given what its dependencies provide: thresholds on a
 * channel nobody defines, limits no valid value can pass, hysteresis bands ending outside the
 * channel's range, facts reading a column nothing provides. The registry runs it with the
 * registered dependencies (step 5 of its checks). Assumes the descriptor's shape is valid
 * where it looks (it skips what is not).
 */
export function referenceProblems(plugin: unknown, known: Provided): ValidationProblem[] {
  if (!isObject(plugin)) return [];
  const problems: ValidationProblem[] = [];
  const add: Add = (path, message) => problems.push({ path, message });
  const hasDependencies = isObject(plugin.dependencies) && Object.keys(plugin.dependencies).length > 0;
  const own = new Map<string, ChannelRange | undefined>();
  for (const s of Array.isArray(plugin.sensors) ? plugin.sensors : []) {
    if (!isObject(s) || typeof s.name !== "string") continue;
    const r = s.range;
    own.set(s.name, isObject(r) && finite(r.min) && finite(r.max) && r.min < r.max ? { min: r.min, max: r.max, integer: s.integer === true } : undefined);
  }
  const hint = (name: string) => {
    const other = known.provider?.(name);
    return other === undefined ? "" : ` (plugin "${other}" provides it: add it to dependencies)`;
  };
  (Array.isArray(plugin.thresholds) ? plugin.thresholds : []).forEach((t, i) => {
    if (!isObject(t) || typeof t.channel !== "string") return;
    const path = `thresholds[${i}]`;
    let range: ChannelRange | undefined;
    if (own.has(t.channel)) range = own.get(t.channel);
    else if (known.channels.has(t.channel)) range = known.channels.get(t.channel);
    else {
      if (known.complete) {
        const where = hasDependencies ? "of this plugin or of its dependencies" : "of this plugin (it has no dependencies)";
        add(`${path}.channel`, `"${t.channel}" is not a channel ${where}${hint(t.channel)}`);
      }
      return;
    }
    if (range !== undefined) limitProblems(t, path, t.channel, range, add);
  });
  const facts = Array.isArray(plugin.facts) ? plugin.facts : [];
  const writers = new Map<string, number>();
  facts.forEach((f, i) => {
    if (!isObject(f) || !Array.isArray(f.writes)) return;
    for (const w of f.writes) if (typeof w === "string" && !writers.has(w)) writers.set(w, i);
  });
  facts.forEach((f, i) => {
    if (!isObject(f) || !Array.isArray(f.reads)) return;
    f.reads.forEach((name, j) => {
      if (typeof name !== "string" || !CHANNEL_NAME.test(name) || FACT_READING_FIELDS.includes(name) || own.has(name) || known.channels.has(name)) return;
      // Written by this plugin's facts: an earlier one is fine; a later one, or itself, is reported by facts().
      if (writers.has(name)) return;
      if (!known.complete || known.columns === undefined || known.columns.has(name)) return;
      const sources = hasDependencies ? "a channel or fact column of this plugin or of its dependencies" : "a channel of this plugin, nor a column an earlier fact of it writes (it has no dependencies)";
      add(`facts[${i}].reads[${j}]`, `"${name}" is provided by nothing: not a reading field (${FACT_READING_FIELDS.join(", ")}), nor ${sources}; it would be NaN on every reading${hint(name)}`);
    });
  });
  return problems;
}

/** Whether a descriptor (possibly malformed) defines the channel or fact column `name`. */
export function provides(plugin: unknown, name: string): boolean {
  if (plugin === null || typeof plugin !== "object") return false;
  const p = plugin as { sensors?: unknown; facts?: unknown };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return list(p.sensors).some((c) => (c as { name?: unknown } | null)?.name === name) ||
    list(p.facts).some((f) => list((f as { writes?: unknown } | null)?.writes).includes(name));
}

/** A threshold's limit and hysteresis against its channel's range. */
function limitProblems(t: Obj, path: string, channel: string, range: ChannelRange, add: Add): void {
  const above = t.above !== undefined;
  const limit = above ? t.above : t.below;
  if (!finite(limit) || (t.above !== undefined && t.below !== undefined)) return;
  const { min, max } = range;
  const span = `channel "${channel}"'s range ${min}..${max}`;
  const at = `${path}.${above ? "above" : "below"}`;
  if (limit < min || limit > max) return add(at, `${limit} is outside ${span}: values beyond it are rejected out_of_range, never judged`);
  if (above && limit === max) return add(at, `${limit} is the max of ${span}: no valid value is above it (the comparison is strict), so it can never alert`);
  if (!above && limit === min) return add(at, `${limit} is the min of ${span}: no valid value is below it (the comparison is strict), so it can never alert`);
  const band = t.hysteresis;
  if (!finite(band) || band < 0) return;
  if (above ? limit - band < min : limit + band > max) {
    const end = above ? `${limit} - ${band} = ${limit - band}, below the min ${min}` : `${limit} + ${band} = ${limit + band}, above the max ${max}`;
    add(`${path}.hysteresis`, `${band} reaches outside ${span} (${end}): no valid value could end an episode`);
  }
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
  if (typeof t.name === "string" && t.name.endsWith(".pulse") && t.kind === "register") {
    add(`${path}.kind`, `meter type "${t.name}" ends in .pulse but is of kind "register": a registry row of a .pulse type without a pulse weight is rejected bad_pulse_weight, so every meter of it would be; make it kind "pulse" (with defaults.pulseWeight) or give it another name`);
  }
  const d = t.defaults;
  if (t.kind === "register") {
    if (d === undefined) return;
    if (!isObject(d)) return add(`${path}.defaults`, "must be an object");
    keys(d, ["scalingFactor", "digits", "rolloverMode"], `${path}.defaults.`, add);
    if (d.scalingFactor !== undefined && !(finite(d.scalingFactor) && d.scalingFactor > 0 && d.scalingFactor <= MAX_FACTOR)) {
      add(`${path}.defaults.scalingFactor`, "must be a number > 0 and at most 1e9 (the registry rejects a larger scaling factor, so every meter of the type would be rejected bad_scaling_factor)");
    }
    if (d.digits !== undefined && !(Number.isInteger(d.digits) && (d.digits as number) >= 1 && (d.digits as number) <= 22)) add(`${path}.defaults.digits`, "must be an integer from 1 to 22");
    if (d.rolloverMode !== undefined && d.rolloverMode !== "documented" && d.rolloverMode !== "modulus") add(`${path}.defaults.rolloverMode`, 'must be "documented" or "modulus"');
  } else if (t.kind === "pulse") {
    if (!isObject(d)) return add(`${path}.defaults`, "must be an object with pulseWeight (a pulse meter type)");
    keys(d, ["pulseWeight", "pulseInput", "debounceMs", "pulseWidthMs", "qmax", "noPulseDays"], `${path}.defaults.`, add);
    if (!(finite(d.pulseWeight) && d.pulseWeight > 0 && d.pulseWeight <= MAX_FACTOR)) {
      add(`${path}.defaults.pulseWeight`, "must be a number > 0 and at most 1e9 (the registry rejects a larger pulse weight, so every meter of the type would be rejected bad_pulse_weight)");
    }
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
  keys(f, ["name", "rows", "rules", "conditions"], `${path}.`, add);
  if (f.rows !== undefined && f.rows !== "reading" && f.rows !== "sensor" && f.rows !== "both") add(`${path}.rows`, `must be "reading", "sensor" or "both"`);
  if (f.name !== undefined && typeof f.name !== "string") add(`${path}.name`, "must be a string");
  if (f.conditions !== undefined && !isObject(f.conditions)) add(`${path}.conditions`, "must be an object of named conditions");
  each(f.rules, `${path}.rules`, add, (rule, at) => {
    if (!nonEmpty(rule.name)) add(`${at}.name`, "must be a non-empty string (alerts name the rule <plugin>/<rule>)");
    else if (UNSAFE_RULE_NAME.test(rule.name)) {
      add(`${at}.name`, `${JSON.stringify(rule.name)} must not hold "|", ",", control characters or line breaks (it is written to alerts.csv and to "|"-separated reasons)`);
    }
    if (!isObject(rule.conditions)) add(`${at}.conditions`, "must be an object (all, any, not or condition)");
    if (!isObject(rule.event) || typeof rule.event.type !== "string") add(`${at}.event`, "must be an object with a string type");
    else if ((rule.event.type === "hold" || rule.event.type === "temp_bad") && isObject(rule.event.params)) {
      const reason = rule.event.params.reason;
      if (typeof reason === "string" && UNSAFE_REASON.test(reason)) {
        add(`${at}.event.params.reason`, `${JSON.stringify(reason)} must not hold "|", control characters or line breaks (reasons are "|"-separated in held.csv)`);
      }
    }
  }, true);
}

/**
 * A plugin's rule names: unique across its rule files (the loader checks them per plugin), and
 * none the name of one of its thresholds (both would be `<plugin>/<name>` in alerts.csv).
 */
function ruleNames(plugin: Obj, add: Add): void {
  if (!Array.isArray(plugin.rules)) return;
  const thresholds = new Set((Array.isArray(plugin.thresholds) ? plugin.thresholds : []).map((t) => (isObject(t) ? t.name : undefined)));
  const seen = new Map<string, string>();
  plugin.rules.forEach((f, i) => {
    if (!isObject(f) || !Array.isArray(f.rules)) return;
    f.rules.forEach((rule, j) => {
      if (!isObject(rule) || !nonEmpty(rule.name)) return;
      const at = `rules[${i}].rules[${j}].name`;
      const first = seen.get(rule.name);
      if (first !== undefined) add(at, `rule "${rule.name}" is defined twice in this plugin (first at ${first})`);
      else seen.set(rule.name, at);
      if (thresholds.has(rule.name)) add(at, `rule "${rule.name}" has the name of a threshold of this plugin: both would be "<plugin>/${rule.name}" in alerts.csv`);
    });
  });
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
