// The BLOB encodings of one bucket (contract.ts "Layout"): its registry (bucket-registry.ts
// builds and merges the columns, bucket-registry-blob.ts encodes them) and its state
// (bucket-state.ts), both indexed by the meter's slot in the bucket. Stores never look inside;
// the runtime decodes what its batches touch.
export { decodeRegistry, encodeColumns, REGISTRY_FORMAT } from "./bucket-registry-blob.js";
export { encodeRegistry, mergeRegistry } from "./bucket-registry.js";
export { decodeState, decodeStateInto, encodeState, STATE_FORMAT, stateMeters } from "./bucket-state.js";
export type { RegistryColumns } from "./bucket-registry-blob.js";
