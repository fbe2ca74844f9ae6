// State stores: the interface the pipeline uses and the embedded SQLite implementation.
export { StoreError } from "./errors.js";
export { appendEntry, createEntries, entryAt, pushEntry } from "./history.js";
export { CHUNK_METERS } from "./schema.js";
export { openSqliteStore } from "./sqlite.js";
export { createState, snapshotChunks } from "./state.js";
export type { HistoryEntries, HistoryEntry } from "./history.js";
export type { MeterState, StateChunk } from "./state.js";
export type { AuditRow, BatchCommit, BatchRecord, HeldRow, MeterTable, Store } from "./types.js";
