// meterflow's plugin SDK (the package entry `meterflow/sdk`). No runtime dependencies and no
// import of engine/: plugin authors depend on this alone. Plugin descriptors arrive with the
// plugin issue; today it carries the SDK version the engine checks plugins against.

/** Version of the plugin SDK; a plugin declares the range it needs. */
export const SDK_VERSION = "0.1.0";
