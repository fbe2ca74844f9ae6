// Errors of loading plugins (the registry's own errors are the SDK's PluginError).
import { MeterflowError } from "../errors.js";

export type PluginLoadErrorCode = "MF_ERR_PLUGIN_CONFIG" | "MF_ERR_PLUGIN_LOAD";

/** A configuration file that cannot be used, or a plugin entry that cannot be imported. */
export class PluginLoadError extends MeterflowError {
  override name = "PluginLoadError";
  declare readonly code: PluginLoadErrorCode;

  constructor(code: PluginLoadErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}
