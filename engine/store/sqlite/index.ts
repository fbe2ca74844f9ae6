// The embedded store (DESIGN.md "Embedded default"): the PartitionedStore contract on one
// SQLite file, beside the PostgreSQL store that shares its contract suite.
export { openSqlitePartitionedStore } from "./open.js";
export { LAYOUT_BASE, MIGRATIONS } from "./schema.js";
export type { SqliteStoreOptions } from "./open.js";
export { MAX_GIVE_WAY_MS, WriteTurn } from "./write-turn.js";
