// The plugin configuration file: `meterflow.config.json` beside the data (or `--config FILE`):
//   { "plugins": ["@acme/meterflow-vibration", "./plugins/local.js"] }
// Each entry is a package name (resolved from the config file's directory, as Node resolves a
// dependency of a file there) or a path relative to the config file. The built-in plugins
// (plugins/) are always registered first; the configured ones after them.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PluginLoadError } from "./errors.js";

/** Default configuration file name, looked for in the working directory. */
export const CONFIG_FILE = "meterflow.config.json";

/** A parsed configuration: plugin entries and the directory they are resolved from. */
export interface PluginConfig {
  /** The config file read, or null when none (built-in plugins only). */
  file: string | null;
  /** Directory entries resolve from. */
  baseDir: string;
  plugins: string[];
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
    throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG", `cannot read plugin configuration ${file}`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG", `${file} is not valid JSON: ${(error as Error).message}`, error);
  }
  const plugins = (parsed as { plugins?: unknown })?.plugins ?? [];
  if (!Array.isArray(plugins) || plugins.some((p) => typeof p !== "string" || p === "")) {
    throw new PluginLoadError("MF_ERR_PLUGIN_CONFIG", `${file}: "plugins" must be an array of package names or paths`);
  }
  return { file, baseDir: dirname(file), plugins: plugins as string[] };
}
