// Plugins in the engine: the configuration file, loading (main thread and workers), and the
// registry of everything plugins contribute (the SDK's PluginRegistry).
export { channelIndex } from "./channels.js";
export { CONFIG_FILE, meterMatcher, readPluginConfig } from "./config.js";
export { PluginLoadError } from "./errors.js";
export { defaultPlugins, importPlugin, loadPlugins, OPT_IN_PLUGINS, scopedThresholds } from "./load.js";
export type { PluginConfig } from "./config.js";
export type { PluginLoadErrorCode } from "./errors.js";
