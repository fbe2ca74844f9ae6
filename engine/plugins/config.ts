// The plugin configuration file: `meterflow.config.json` beside the data (or `--config FILE`):
//   { "plugins": ["@acme/meterflow-vibration", "./plugins/local.js",
//                 { "plugin": "meterflow-cold-chain", "meters": ["REEFER-*"] }] }
// Each entry is a package name (resolved from the config file's directory, as Node resolves a
// dependency of a file there), a path relative to the config file, or a built-in by name (an
// opt-in one is then loaded; one loaded anyway, such as `meterflow-gas`, is accepted as is); an object entry adds `meters`: the plugin's thresholds then watch only the meters whose
// ids match one of these patterns (`*` matches any characters). The built-in plugins (plugins/)
// are always registered first; the configured ones after them.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { unreadableReason } from "../errors.js";
import { nearest } from "../rules/load/validate-condition.js";
import { PluginLoadError } from "./errors.js";

/** Default configuration file name, looked for in the working directory. */
export const CONFIG_FILE = "meterflow.config.json";

/** A parsed configuration: plugin entries and the directory they are resolved from. */
export interface PluginConfig {
  /** The config file read, or null when none (built-in plugins only). */
  file: string | null;
  /** Directory entries resolve from. */
  baseDir: string;
  /** The entries, in order (package names, paths, opt-in built-in names). */
  plugins: string[];
  /** Per entry (same index): meter id patterns its thresholds are limited to; absent = every meter. */
  meters?: Array<string[] | undefined>;
}

/**
 * Reads a configuration file. Without `path`, reads `./meterflow.config.json` when it exists,
 * else returns an empty configuration.
 */
export function readPluginConfig(path?: string, cwd = process.cwd()): PluginConfig {
  const file = path !== undefined ? resolve(cwd, path) : resolve(cwd, CONFIG_FILE);
  if (path === undefined && !existsSync(file)) return { file: null, baseDir: cwd, plugins: [] };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG", `cannot read plugin configuration ${file}: ${unreadableReason(error)}`, error);
  }
  let parsed: unknown;
  try {
    // A byte order mark (some editors on Windows write one) is not JSON, but no mistake either.
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    // V8 quotes the text around the mistake, line breaks included: one line.
    throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG", `${file} is not valid JSON: ${(error as Error).message.replace(/\s*\n\s*/g, " ")}`, error);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG", `${file}: the configuration must be an object such as { "plugins": [...] }`);
  }
  // A misspelt key would be ignored: no plugin loaded, or a plugin watching every meter.
  unknownKeys(file, "the configuration", parsed, CONFIG_KEYS);
  // JSON.parse keeps the last of a key given twice: a second "plugins" would drop the first's list.
  if ((text.match(/"plugins"\s*:/g) ?? []).length > 1) {
    throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG", `${file}: "plugins" is given twice; list every plugin in one "plugins" array`);
  }
  const entries = (parsed as { plugins?: unknown }).plugins ?? [];
  const bad = () => new PluginLoadError("MF_ERR_PLUGIN_CONFIG",
    `${file}: "plugins" must be an array of package names or paths, or of { "plugin": name, "meters": [patterns] }`);
  if (!Array.isArray(entries)) throw bad();
  const plugins: string[] = [];
  const meters: Array<string[] | undefined> = [];
  for (const entry of entries as unknown[]) {
    if (typeof entry === "string" && entry !== "") {
      plugins.push(entry);
      meters.push(undefined);
      continue;
    }
    const o = entry as { plugin?: unknown; meters?: unknown };
    if (o === null || typeof o !== "object" || Array.isArray(o)) throw bad();
    unknownKeys(file, `the entry ${JSON.stringify(o)}`, o, ENTRY_KEYS);
    if (typeof o.plugin !== "string" || o.plugin === "") throw bad();
    if (o.meters !== undefined && !(Array.isArray(o.meters) && o.meters.every((m) => typeof m === "string" && m !== ""))) throw bad();
    if (Array.isArray(o.meters) && o.meters.length === 0) {
      throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG",
        `${file}: plugin "${o.plugin}" has "meters": [], which watches no meter: list patterns, or leave "meters" out to watch every meter`);
    }
    plugins.push(o.plugin);
    meters.push(o.meters as string[] | undefined);
  }
  return { file, baseDir: dirname(file), plugins, meters };
}

/** The keys a configuration file and an object entry of its "plugins" may have ("$schema", which editors add, is read past). */
const CONFIG_KEYS: ReadonlySet<string> = new Set(["plugins", "$schema"]);
const ENTRY_KEYS: ReadonlySet<string> = new Set(["plugin", "meters"]);

/** Refuses a key `known` lacks (MF_ERR_PLUGIN_CONFIG), naming the nearest known one. */
function unknownKeys(file: string, what: string, o: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(o)) {
    if (known.has(key)) continue;
    const near = nearest(key, known);
    throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG", `${file}: ${what} has an unknown key "${key}"`
      + `${near === undefined ? "" : ` (did you mean "${near}"?)`}; the keys are ${[...known].map((k) => `"${k}"`).join(", ")}`);
  }
}

/** A matcher of meter ids for patterns where `*` matches any characters. */
export function meterMatcher(patterns: readonly string[]): (meterId: string) => boolean {
  const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^(?:${patterns.map((p) => p.split("*").map(escape).join(".*")).join("|")})$`);
  return (meterId) => re.test(meterId);
}

/** How a worker thread loads the same plugins (DecisionSetup.threadPlugins, a decoding worker's input). */
export function threadPluginsOf(config: PluginConfig, builtins = true): Pick<PluginConfig, "baseDir" | "plugins" | "meters"> & { builtins: boolean } {
  return { baseDir: config.baseDir, plugins: config.plugins, meters: config.meters, builtins };
}
