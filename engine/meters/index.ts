// Meters: the registry reader and the MeterRecord the engine holds per meter.
export { MAX_METER_ID_BYTES, REGISTRY_REJECT } from "./registry-row.js";
export { readMeters } from "./registry.js";
export type { MeterRecord, RolloverModeName } from "./meter.js";
export type { MeterTypeLookup, RegistryRejectReason } from "./registry-row.js";
export type { MeterRegistry, ReadMetersOptions, RegistryRejection } from "./registry.js";
