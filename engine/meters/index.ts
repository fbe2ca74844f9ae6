// Meters: the registry reader, the MeterRecord the engine holds per meter, and the registry as columns.
export { MAX_METER_ID_BYTES, REGISTRY_REJECT } from "./registry-row.js";
export { checkRegistryHeader, hasEveryRegistryColumn, readMeters, readRegistry } from "./registry.js";
export { NumberColumn, TextColumn } from "./columns.js";
export { tableChunk, tableOfChunk } from "./registry-chunk.js";
export { fnv, NUMBER_FIELDS, RegistryTable, TEXT_FIELDS } from "./registry-table.js";
export type { MeterRecord, RolloverModeName } from "./meter.js";
export type { RegistryChunk } from "./registry-chunk.js";
export type { MeterTypeLookup, RegistryRejectReason } from "./registry-row.js";
export type { StoredMeters } from "./registry-keep.js";
export type { MeterRegistry, ReadMetersOptions, RegistryColumns, RegistryReadHooks, RegistryRejection } from "./registry.js";
