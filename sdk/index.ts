// meterflow's plugin SDK (the package entry `meterflow/sdk`). No runtime dependencies and no
// import of engine/: plugin authors depend on this alone. The engine registers plugins with
// ./registry.ts and tracks thresholds with ./thresholds.ts, the same code the test engine of
// `meterflow/sdk/testing` runs.
export { PluginError, ThresholdStateError } from "./errors.js";
export { computeFact } from "./fact-runner.js";
export { defineFact, FACT_READING_FIELDS } from "./facts.js";
export { definePlugin } from "./plugin.js";
export { READING_FACTS, RECORD_FIELDS } from "./reading-facts.js";
export { PluginRegistry } from "./registry.js";
export { isRange, isVersion, satisfies } from "./semver.js";
export { ThresholdTracker } from "./thresholds.js";
export { timeOrder } from "./time-order.js";
export { RESERVED_NAMES, unknownThresholdChannels, validatePlugin } from "./validate.js";
export { SDK_VERSION } from "./version.js";
export type { PluginErrorCode, PluginErrorOptions, ThresholdStateErrorCode, ValidationProblem } from "./errors.js";
export type { DerivedFactDefinition, InputColumns, OutputColumns } from "./facts.js";
export type { MeterTypeDefinition, PulseInput, PulseMeterType, RegisterMeterType, RolloverMode } from "./meter-types.js";
export type { PluginContext, PluginDescriptor, PluginHooks, RuleFile } from "./plugin.js";
export type { ReadingFactOrigin, ReadingFactSpec, ReadingFactType } from "./reading-facts.js";
export type {
  HookOptions,
  RegisteredChannel,
  RegisteredFact,
  RegisteredMeterType,
  RegisteredRuleFile,
  RegisteredThreshold,
} from "./registry.js";
export type { SensorChannelDefinition, Severity, ThresholdDefinition } from "./sensors.js";
export type { ThresholdSnapshot, ThresholdSnapshotEntry } from "./threshold-snapshot.js";
export type { Alert, ThresholdBatch, ThresholdBatchResult, TrackedThreshold } from "./thresholds.js";
export type { ValidateOptions } from "./validate.js";
