// The plugin descriptor: a plain object naming what the plugin contributes. `definePlugin`
// returns its argument; it exists for type inference and checking (hono's createMiddleware).
import type { DerivedFactDefinition } from "./facts.js";
import type { MeterTypeDefinition } from "./meter-types.js";
import type { SensorChannelDefinition, ThresholdDefinition } from "./sensors.js";

/** A rule file in json-rules-engine's format (README "Rules"): `{ rules: [...] }`. */
export interface RuleFile {
  /** Shown in messages; default the plugin's name. */
  readonly name?: string;
  /**
   * The rows the rules are evaluated on (README "Rules"): `reading` (default; rows with a register
   * value), `sensor` (rows of channel values only; only alerts act there) or `both`.
   */
  readonly rows?: "reading" | "sensor" | "both";
  readonly rules: readonly object[];
  /** Shared named conditions the rules refer to with `{ "condition": "<name>" }`. */
  readonly conditions?: Readonly<Record<string, object>>;
}

/** What a hook is given. */
export interface PluginContext {
  /** The SDK version of the engine running the plugin. */
  readonly sdkVersion: string;
  /** Messages for the run's log, prefixed with the plugin's name. */
  log(message: string): void;
}

/** Lifecycle hooks: the only asynchronous code of a plugin. Per-reading work is in facts. */
export interface PluginHooks {
  /** Before the first batch (in every thread that loads the plugin). */
  setup?(context: PluginContext): Promise<void>;
  /** After the last batch, also when the run fails. */
  teardown?(context: PluginContext): Promise<void>;
}

/** A plugin. */
export interface PluginDescriptor {
  /** Unique: an npm package name, e.g. `@acme/meterflow-vibration`. */
  readonly name: string;
  /** The plugin's own version (semver). */
  readonly version: string;
  /** The SDK versions it works with, a semver range, e.g. `^1.0.0`. */
  readonly sdk: string;
  /** Plugins it needs, by name, with version ranges; they register first. */
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly meterTypes?: readonly MeterTypeDefinition[];
  readonly sensors?: readonly SensorChannelDefinition[];
  /** Thresholds on this plugin's channels or a dependency's. */
  readonly thresholds?: readonly ThresholdDefinition[];
  // `any` lets facts with specific column names (DerivedFactDefinition<"a", "b">) sit in one
  // list; defineFact checks each one's columns.
  readonly facts?: readonly DerivedFactDefinition<any, any>[];
  readonly rules?: readonly RuleFile[];
  readonly hooks?: PluginHooks;
}

/** Any function: hooks and compute are checked as written, not field by field. */
type AnyFunction = (...args: never[]) => unknown;
/** The members of the union `S` that `T` fits (a pulse or a register meter type); `S` when none does. */
type Member<T, S> = [S extends unknown ? (T extends S ? S : never) : never] extends [never] ? S : S extends unknown ? (T extends S ? S : never) : never;
/**
 * `T` with every field the descriptor type `S` does not have typed `never`, at every depth
 * (arrays element by element; objects with an index signature, such as `dependencies` and rule
 * conditions, and functions as they are): a generic parameter escapes TypeScript's excess
 * property check, so definePlugin asks for `P & Exact<P, PluginDescriptor>` to make a misspelt
 * field (`sensor:`, a threshold's `belw:`) a compile error.
 */
type Exact<T, S> = T extends AnyFunction ? T
  : T extends readonly (infer E)[] ? (NonNullable<S> extends readonly (infer SE)[] ? readonly Exact<E, SE>[] : T)
  : T extends object ? ExactObject<T, Member<T, NonNullable<S>>>
  : T;
type ExactObject<T, S> = string extends keyof S ? T
  : [keyof S] extends [never] ? T
  : { readonly [K in keyof T]: K extends keyof S ? Exact<T[K], S[K]> : never };

/**
 * Declares a plugin. Returns its argument unchanged, typed as written. A field the descriptor
 * does not have, at any depth (`sensor:` for `sensors:`, a threshold's `belw:`), is a compile
 * error (and validatePlugin's problem at run time, for plain JavaScript).
 *
 * @example
 * export default definePlugin({
 *   name: "acme-vibration", version: "1.0.0", sdk: "^1.0.0",
 *   sensors: [{ name: "vibration", unit: "mm/s", description: "RMS vibration velocity", range: { min: 0, max: 100 } }],
 *   thresholds: [{ name: "shaking", channel: "vibration", above: 7.1, forMinutes: 10, severity: "warning", message: "vibration above 7.1 mm/s for 10 min" }],
 * });
 */
export function definePlugin<const P extends PluginDescriptor>(plugin: P & Exact<P, PluginDescriptor>): P {
  return plugin;
}
