// Errors of the plugin SDK. The same shape as the engine's MeterflowError (a stable `code`,
// `name`, `cause`), defined here because the SDK never imports the engine. Tests and callers
// match on `code`; the message is for people and names the plugin and the hook, rollup-style:
// `[plugin @acme/meterflow-vibration] setup: connection refused`.

/** Codes of PluginError; stable. */
export type PluginErrorCode =
  /** The descriptor is malformed; `problems` lists every problem. */
  | "MF_ERR_PLUGIN_INVALID"
  /** The plugin's `sdk` range does not include this SDK's version. */
  | "MF_ERR_PLUGIN_SDK_RANGE"
  /** A dependency is missing, has a version outside the range asked for, or is part of a cycle. */
  | "MF_ERR_PLUGIN_DEPENDENCY"
  /** A plugin of that name is registered already (or named twice in one registerAll). */
  | "MF_ERR_PLUGIN_DUPLICATE"
  /** Two plugins define the same meter type, channel or fact column. */
  | "MF_ERR_PLUGIN_CONFLICT"
  /** A lifecycle hook threw or rejected; the error is the `cause`. */
  | "MF_ERR_PLUGIN_HOOK"
  /** A derived fact's compute threw (or was asynchronous); the error is the `cause`. */
  | "MF_ERR_PLUGIN_FACT";

/** One problem of a descriptor: where (`sensors[0].range.min`) and what. */
export interface ValidationProblem {
  readonly path: string;
  readonly message: string;
}

/** Options of PluginError. */
export interface PluginErrorOptions {
  readonly cause?: unknown;
  /** For MF_ERR_PLUGIN_INVALID: every problem found. */
  readonly problems?: readonly ValidationProblem[];
}

/**
 * An error caused by a plugin: registering it, running one of its hooks or computing one of its
 * facts. `plugin` is its name, `hook` what was running: `register`, `setup`, `teardown` or
 * `facts:<fact name>`.
 *
 * @example
 * try {
 *   registry.register(plugin);
 * } catch (error) {
 *   if (error instanceof PluginError && error.code === "MF_ERR_PLUGIN_INVALID") {
 *     for (const p of error.problems) console.error(`${p.path}: ${p.message}`);
 *   }
 * }
 */
export class PluginError extends Error {
  override name = "PluginError";
  readonly code: PluginErrorCode;
  readonly plugin: string;
  readonly hook: string;
  /** Every problem of an invalid descriptor (MF_ERR_PLUGIN_INVALID); empty otherwise. */
  readonly problems: readonly ValidationProblem[];

  constructor(code: PluginErrorCode, plugin: string, hook: string, message: string, options: PluginErrorOptions = {}) {
    super(`[plugin ${plugin}] ${hook}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.plugin = plugin;
    this.hook = hook;
    this.problems = options.problems ?? [];
  }
}

/** Codes of ThresholdStateError; stable. */
export type ThresholdStateErrorCode = "MF_ERR_THRESHOLD_STATE";

/**
 * `ThresholdTracker.restore` was given something that is not a snapshot it can read.
 *
 * @example
 * try { tracker.restore(JSON.parse(text)); } catch (error) {
 *   if (error instanceof ThresholdStateError) startAfresh();
 * }
 */
export class ThresholdStateError extends Error {
  override name = "ThresholdStateError";
  readonly code: ThresholdStateErrorCode = "MF_ERR_THRESHOLD_STATE";

  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * The message of MF_ERR_PLUGIN_INVALID: a count, then one problem a line.
 *
 * @example
 * describeProblems([{ path: "sensor", message: "unknown field" }]);
 * // "invalid descriptor (1 problem):\n  sensor: unknown field"
 */
export function describeProblems(problems: readonly ValidationProblem[]): string {
  const lines = problems.map((p) => `\n  ${p.path}: ${p.message}`);
  return `invalid descriptor (${problems.length} problem${problems.length === 1 ? "" : "s"}):${lines.join("")}`;
}

/**
 * A plugin's name for messages, whatever the descriptor holds: quoted as JSON when it has
 * leading or trailing whitespace or control characters (which validation refuses), so the
 * message shows them.
 */
export function pluginLabel(plugin: unknown): string {
  const name = plugin !== null && typeof plugin === "object" ? (plugin as { name?: unknown }).name : undefined;
  if (typeof name !== "string" || name.trim() === "") return "(unnamed)";
  return name.trim() !== name || /[\p{Cc}\u2028\u2029]/u.test(name) ? JSON.stringify(name) : name;
}
