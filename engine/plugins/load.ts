// Loading plugins: each configured entry imported (a package name resolved from the config's
// directory, or a path relative to it), its default export (or `plugin` export) taken as the
// descriptor, then every plugin registered (built-ins first, dependencies before dependents) and
// set up. The same function runs in the main thread and in every worker thread, so all of them
// see the same meter types, channels and facts.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BUILTIN_PLUGINS } from "../../plugins/index.js";
import { PluginRegistry } from "../../sdk/registry.js";
import type { PluginDescriptor } from "../../sdk/index.js";
import type { PluginConfig } from "./config.js";
import { meterMatcher } from "./config.js";
import type { TrackedThreshold } from "../../sdk/thresholds.js";
import { nearest } from "../rules/load/validate-condition.js";
import { PluginLoadError } from "./errors.js";
import { engineHooks, hookTimeoutMs } from "./hooks.js";

/**
 * Built-in plugins that are profiles of a use, not types: their thresholds must not watch every
 * meter (a basement at 9 °C is not a spoiled cold chain), so they load only when the
 * configuration names them, e.g. `{ "plugins": ["meterflow-cold-chain"] }`.
 */
export const OPT_IN_PLUGINS: ReadonlySet<string> = new Set(["meterflow-cold-chain"]);

/** The built-in plugins loaded by default: every built-in except the opt-in profiles. */
export function defaultPlugins(): PluginDescriptor[] {
  return BUILTIN_PLUGINS.filter((p) => !OPT_IN_PLUGINS.has(p.name));
}

/**
 * Imports one configured entry (a built-in by name, a package, or a path) and returns its
 * descriptor. A built-in's name gives the built-in (an opt-in profile, or one loaded anyway).
 */
export async function importPlugin(entry: string, baseDir: string): Promise<PluginDescriptor> {
  const builtin = BUILTIN_PLUGINS.find((p) => p.name === entry);
  if (builtin !== undefined) return builtin;
  const isPath = entry.startsWith(".") || isAbsolute(entry);
  let file: string;
  try {
    file = isPath ? resolve(baseDir, entry) : createRequire(join(baseDir, "meterflow.config.json")).resolve(entry);
  } catch (error) {
    // "plugins/local.mjs" is a package name to Node: a file there was meant as a path; a name
    // near a built-in's was meant as that built-in.
    const builtinNear = nearest(entry, new Set(BUILTIN_PLUGINS.map((p) => p.name)));
    const near = existsSync(resolve(baseDir, entry)) ? ` (a path starts with "./": did you mean "./${entry}"?)`
      : builtinNear !== undefined ? ` (did you mean the built-in plugin "${builtinNear}"?)` : "";
    throw new PluginLoadError("MF_ERR_PLUGIN_LOAD", `cannot find plugin "${entry}" from ${baseDir}${near}`, error);
  }
  if (isPath && !existsSync(file)) throw new PluginLoadError("MF_ERR_PLUGIN_LOAD", `cannot find plugin "${entry}": there is no file ${file}`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const hint = moduleTypeHint(file, error) ?? commonJsHint(file, error) ?? `${(error as Error).message}${syntaxErrorAt(file, error)}${internalsHint(error)}`;
    throw new PluginLoadError("MF_ERR_PLUGIN_LOAD", `cannot load plugin "${entry}": ${hint}`, error);
  }
  let descriptor = module.default ?? module.plugin;
  // TypeScript or Babel output as CommonJS: `exports.default = definePlugin(...)` arrives as the
  // default export's `default`.
  const interop = descriptor as { name?: unknown; default?: unknown } | null;
  if (interop !== null && typeof interop === "object" && typeof interop.name !== "string"
    && interop.default !== null && typeof interop.default === "object") descriptor = interop.default;
  if (typeof descriptor === "function") {
    throw new PluginLoadError("MF_ERR_PLUGIN_LOAD", `plugin "${entry}" (${file}) exports a function, not a plugin descriptor: `
      + "export the descriptor itself, `export default definePlugin({ name, version, sdk, ... })` (definePlugin called, not a function that makes one)");
  }
  if (Array.isArray(descriptor)) {
    throw new PluginLoadError("MF_ERR_PLUGIN_LOAD", `plugin "${entry}" (${file}) exports an array, not a plugin descriptor: `
      + "a module exports one descriptor (`export default definePlugin({ ... })`); give each plugin its own module and entry in the configuration");
  }
  if (descriptor !== null && typeof descriptor === "object" && typeof (descriptor as { then?: unknown }).then === "function") {
    (descriptor as PromiseLike<unknown>).then(undefined, () => undefined); // reported here, not as unhandled
    throw new PluginLoadError("MF_ERR_PLUGIN_LOAD", `plugin "${entry}" (${file}) exports a promise, not a plugin descriptor: `
      + "export the descriptor itself (a top-level `await` before `export default definePlugin({ ... })`, or the asynchronous work in hooks.setup)");
  }
  if (descriptor === null || typeof descriptor !== "object") {
    throw new PluginLoadError("MF_ERR_PLUGIN_LOAD", `plugin "${entry}" (${file}) has no default export (a definePlugin descriptor)`);
  }
  const name = (descriptor as { name?: unknown }).name;
  if (typeof name !== "string" || name === "") {
    throw new PluginLoadError("MF_ERR_PLUGIN_LOAD", `plugin "${entry}" (${file}) exports a descriptor without a "name": give it the plugin's package name`);
  }
  return descriptor as PluginDescriptor;
}

/**
 * Where a syntax error of a plugin file is, as " (at FILE:LINE)"; else "". Node's error for an
 * ES module has no location: `node --check` prints it first (only on this error path).
 */
function syntaxErrorAt(file: string, error: unknown): string {
  if (!(error instanceof SyntaxError)) return "";
  const check = spawnSync(process.execPath, ["--check", file], { encoding: "utf8", timeout: 10_000 });
  const at = /^(.+:\d+)$/m.exec(check.stderr ?? "");
  return at === null || !at[1].includes(file) ? "" : ` (at ${at[1]})`;
}

/** Node's messages for ES module syntax in a file it reads as CommonJS. */
const ESM_IN_COMMONJS = /Cannot use import statement outside a module|Unexpected token 'export'|Cannot use 'import\.meta' outside a module/;

/**
 * The hint for a `.js` plugin written as an ES module (import / export, as the guide's are) that
 * Node reads as CommonJS because its package.json says `"type": "commonjs"` (what `npm init -y`
 * writes) or nothing; undefined for any other failure.
 */
function moduleTypeHint(file: string, error: unknown): string | undefined {
  if (!file.endsWith(".js") || !(error instanceof Error) || error.name !== "SyntaxError" || !ESM_IN_COMMONJS.test(error.message)) return undefined;
  const scope = packageScope(dirname(file));
  if (scope?.type === "module") return undefined;
  const where = scope === undefined ? "no package.json above it sets \"type\"" : `${scope.file} has ${scope.type === undefined ? "no \"type\"" : `"type": ${JSON.stringify(scope.type)}`}`;
  return `${basename(file)} is an ES module (import/export) but Node reads it as CommonJS: ${where}. ` +
    `Rename it to ${basename(file, ".js")}.mjs, or set "type": "module" in ${scope?.file ?? "the package.json beside it"}`;
}

/**
 * The hint for a plugin written as CommonJS (`module.exports = ...`, `require(...)`) that Node
 * loads as an ES module (`.mjs`, or `.js` under `"type": "module"`); undefined for any other failure.
 */
function commonJsHint(file: string, error: unknown): string | undefined {
  const m = error instanceof ReferenceError ? /^(module|exports|require) is not defined in ES module scope/.exec(error.message) : null;
  if (m === null) return undefined;
  return `${basename(file)} uses CommonJS (\`${m[1]}\`) but Node loads it as an ES module: write \`export default definePlugin({ ... })\` ` +
    `(and \`import\` for require), or name it ${basename(file).replace(/\.m?js$/, "")}.cjs`;
}

/** The fix for a plugin importing the engine's files (`meterflow-engine/dist/engine/...`): "" for any other failure. */
function internalsHint(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  if (e?.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED" || typeof e.message !== "string" || !/[\\/]meterflow-engine[\\/]package\.json/.test(e.message)) return "";
  return ": a plugin imports only meterflow-engine/sdk (its tests also meterflow-engine/sdk/testing); the engine's own modules are not part of its interface";
}

/** The nearest package.json at or above `dir` and its `type`. */
function packageScope(dir: string): { file: string; type: unknown } | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, "package.json");
    if (existsSync(file)) {
      try {
        return { file, type: (JSON.parse(readFileSync(file, "utf8")) as { type?: unknown }).type };
      } catch {
        return { file, type: undefined };
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The built-in plugins plus the configured ones, registered. Hooks are not run: see setup.
 * `builtins: false` leaves the built-ins out (a baseline for benchmarks). A configured entry that
 * names a built-in loaded by default (`"meterflow-gas"`) is accepted and loads nothing more (an
 * object entry's `meters` then limit its thresholds as for any plugin).
 */
export async function loadPlugins(config: Pick<PluginConfig, "baseDir" | "plugins" | "meters"> & { builtins?: boolean }): Promise<PluginRegistry> {
  // A bad MF_PLUGIN_HOOK_TIMEOUT_SECONDS is refused whether or not a plugin has hooks.
  hookTimeoutMs();
  const builtins = config.builtins === false ? [] : defaultPlugins();
  const loaded: PluginDescriptor[] = [];
  const scopes = new Map<string, string[]>();
  for (const [i, entry] of config.plugins.entries()) {
    const plugin = await importPlugin(entry, config.baseDir);
    // A built-in loaded anyway (`"meterflow-gas"`) is not loaded twice; its `meters` still apply.
    if (!builtins.includes(plugin)) loaded.push(plugin);
    const meters = config.meters?.[i];
    if (meters !== undefined) scopes.set(plugin.name, meters);
  }
  const registry = new PluginRegistry();
  // Hooks with a bounded wait, a teardown's failure a warning (hooks.ts).
  registry.registerAll([...builtins, ...loaded].map((plugin) => engineHooks(plugin)));
  SCOPES.set(registry, scopes);
  return registry;
}

const SCOPES = new WeakMap<PluginRegistry, ReadonlyMap<string, readonly string[]>>();

/**
 * The thresholds of a loaded registry as the tracker takes them: a plugin configured with
 * `meters` patterns watches only the meters they match.
 */
export function scopedThresholds(registry: PluginRegistry): TrackedThreshold[] {
  const scopes = SCOPES.get(registry) ?? new Map<string, readonly string[]>();
  const matchers = new Map([...scopes].map(([name, patterns]) => [name, meterMatcher(patterns)]));
  return registry.thresholds.map((t) => {
    const meters = matchers.get(t.plugin);
    return meters === undefined ? t : { ...t, meters };
  });
}
