// The PostgreSQL store (DESIGN.md "Scale-out"): shared state for any number of workers, the same
// PartitionedStore contract as the embedded SQLite store.
export { openPostgresStore } from "./open.js";
export type { PostgresStoreOptions } from "./open.js";
