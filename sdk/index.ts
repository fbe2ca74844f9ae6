// meterflow's plugin SDK (the package entry `meterflow/sdk`). No runtime dependencies and no
// import of engine/: plugin authors depend on this alone. The engine registers plugins with
// ./registry.ts and tracks thresholds with ./thresholds.ts, the same code the test engine of
// `meterflow/sdk/testing` runs.
export { defineFact } from "./facts.js";
export { definePlugin } from "./plugin.js";
export { SDK_VERSION } from "./version.js";
export type { DerivedFactDefinition, InputColumns, OutputColumns } from "./facts.js";
export type { MeterTypeDefinition, PulseInput, PulseMeterType, RegisterMeterType, RolloverMode } from "./meter-types.js";
export type { PluginContext, PluginDescriptor, PluginHooks, RuleFile } from "./plugin.js";
export type { SensorChannelDefinition, Severity, ThresholdDefinition } from "./sensors.js";
