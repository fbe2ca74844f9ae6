// A loaded plugin's lifecycle hooks as the engine runs them (the SDK's registry awaits them):
// - a bounded wait: a `setup` or `teardown` that has not settled after HOOK_TIMEOUT_SECONDS (60 s;
//   MF_PLUGIN_HOOK_TIMEOUT_SECONDS sets another) fails as if it had thrown. A promise that never
//   settles would otherwise leave Node with nothing to wait for: it exits 13, printing nothing.
// - a `teardown` that fails (throws, rejects or hangs) is a warning, not an error: it runs when
//   the work is done (a run's outputs are committed and in place, or the run failed with an
//   error of its own), so it must not turn a completed run into a failed one, nor replace the
//   error that ended it. The warning names the plugin and the hook and ends with its code.
import { InvalidOptionError, warnOnStderr } from "../errors.js";
import { PluginError } from "../../sdk/errors.js";
import { errorMessage } from "../../sdk/fact-runner.js";
import type { PluginContext, PluginDescriptor, PluginHooks } from "../../sdk/index.js";

/** How long a hook may take by default, in seconds. */
export const HOOK_TIMEOUT_SECONDS = 60;
/** The environment variable that sets another limit (seconds, > 0). */
export const HOOK_TIMEOUT_ENV = "MF_PLUGIN_HOOK_TIMEOUT_SECONDS";

/** The hook limit in ms: HOOK_TIMEOUT_ENV when set, else HOOK_TIMEOUT_SECONDS. */
export function hookTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[HOOK_TIMEOUT_ENV];
  if (text === undefined || text === "") return HOOK_TIMEOUT_SECONDS * 1000;
  const seconds = Number(text);
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new InvalidOptionError(HOOK_TIMEOUT_ENV, "a number of seconds above 0", text);
  return seconds * 1000;
}

/**
 * `plugin` with its hooks run as the engine runs them (see above); a plugin without hook
 * functions is returned as it is. `warn` prints a teardown's failure (by default on stderr).
 */
export function engineHooks(plugin: PluginDescriptor, warn: (message: string) => void = warnOnStderr): PluginDescriptor {
  const hooks = plugin.hooks as PluginHooks | undefined;
  if (hooks === null || typeof hooks !== "object") return plugin;
  const { setup, teardown } = hooks;
  if (typeof setup !== "function" && typeof teardown !== "function") return plugin;
  const limit = hookTimeoutMs();
  const wrapped: PluginHooks = { ...hooks };
  if (typeof setup === "function") wrapped.setup = (context: PluginContext) => bounded(() => setup.call(hooks, context), limit);
  if (typeof teardown === "function") {
    wrapped.teardown = async (context: PluginContext) => {
      try {
        await bounded(() => teardown.call(hooks, context), limit);
      } catch (error) {
        const failed = new PluginError("MF_ERR_PLUGIN_HOOK", plugin.name, "teardown", `teardown failed: ${errorMessage(error)}`, { cause: error });
        warn(`${failed.message} (${failed.code})`);
      }
    };
  }
  return { ...plugin, hooks: wrapped };
}

/** Runs `hook`; rejects when it throws, rejects, or has not settled within `limit` ms. */
function bounded(hook: () => unknown, limit: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Referenced, not unref'd: it is what keeps the process waiting for a hook that never settles.
    const timer = setTimeout(() => reject(new Error(`did not settle within ${limit / 1000} s (${HOOK_TIMEOUT_ENV} sets the limit)`)), limit);
    const done = () => clearTimeout(timer);
    try {
      Promise.resolve(hook()).then(() => {
        done();
        resolve();
      }, (error: unknown) => {
        done();
        reject(error);
      });
    } catch (error) {
      done();
      reject(error);
    }
  });
}
