// The store (DESIGN.md "Architecture"): the async, partitioned contract, its SQLite (embedded
// default) and PostgreSQL implementations, opened by one function from a path or a URL, and the
// encodings every implementation keeps (bucket BLOBs, ledger segments, state columns).
export { decodeRegistry, decodeState, encodeRegistry, encodeState, mergeRegistry } from "./bucket.js";
export { bucketOf, BUCKETS_PER_PARTITION, DEFAULT_PARTITIONS, meterHash, partitionOf } from "./contract.js";
export { StoreError } from "./errors.js";
export { appendEntry, createEntries, decodeSegment, encodeSegment, entryAt, pushEntry, slotEntries } from "./history.js";
export { latestByDay, readLedger, recentChain } from "./ledger.js";
export { checkStoreLocation, POSTGRES_URL_PARAMETERS } from "./location.js";
export { isPostgresUrl, openStore } from "./open.js";
export { openPostgresStore } from "./postgres/index.js";
export { openSqlitePartitionedStore } from "./sqlite/index.js";
export { createState } from "./state.js";
export { settleTimeZone, TIME_ZONE_KEY, useStoreTimeZone } from "./time-zone.js";
export type {
  AlertRecord,
  AuditRecord,
  BatchListing,
  BatchOutputs,
  BatchTotals,
  BucketFence,
  BucketRow,
  Commit,
  CommittedBatch,
  Fence,
  FlagRow,
  HeldListing,
  HeldPulse,
  HeldQuery,
  ReleaseRecord,
  HeldRecord,
  HeldSummary,
  ImportCounts,
  MeterSnapshot,
  PartitionedStore,
  PhotoRecord,
  RegistryBlobs,
  RegistryBlobSource,
  RegistryRow,
  RegistryRows,
  RegistryRowStream,
  SegmentEntry,
  SegmentRow,
  SnapshotSegment,
  TokenRecord,
  TokenRole,
} from "./contract.js";
export type { HistoryEntries, HistoryEntry } from "./history.js";
export type { MeterTable } from "./meter-table.js";
export type { OpenStoreOptions } from "./open.js";
export type { MeterState } from "./state.js";
