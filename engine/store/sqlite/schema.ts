// Schema of the partitioned SQLite store, versioned: migration N brings a database from layout
// version N-1 to N. The version is kept in `user_version` as LAYOUT_BASE + N, so it never meets
// the versions (1..LAYOUT_BASE-1) of the previous one-file layout (engine/store/schema.ts),
// which legacy.ts converts into this one.
//
// Layout (contract.ts): a row per bucket with its registry BLOB, another with its state BLOB; the
// ledger as one columnar segment per batch and bucket; a row per held reading, flag, alert, episode and audit
// record; a version per partition and per bucket (with the meters each bucket version changed)
// for fenced commits.
import Database from "better-sqlite3";
import { registryLimits } from "../bucket-registry-blob.js";
import { StoreError } from "../errors.js";

/** `user_version` of a database in this layout before its first migration. */
export const LAYOUT_BASE = 100;

/** Meta key of the partition count, fixed when the store is created (as in the PostgreSQL store). */
export const PARTITIONS_KEY = "partitions";

export const MIGRATIONS: readonly string[] = [
  // 1: the partitioned layout
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE meters (
    meter_id TEXT PRIMARY KEY,
    partition INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    scaling_factor REAL NOT NULL DEFAULT 1,
    reset_value REAL,
    digits INTEGER,
    rollover_mode TEXT NOT NULL DEFAULT 'documented',
    parent_id TEXT,
    unit_price REAL,
    basic_fee_per_day REAL,
    cost_center TEXT,
    gl_account TEXT,
    last_reading REAL,
    last_end INTEGER,
    pulse_weight REAL,
    pulse_input TEXT,
    pulse_width_ms REAL,
    qmax REAL,
    no_pulse_days REAL,
    debounce_ms REAL
  ) WITHOUT ROWID;
  CREATE TABLE buckets (
    bucket INTEGER PRIMARY KEY,
    partition INTEGER NOT NULL,
    meters INTEGER NOT NULL,
    registry BLOB NOT NULL,
    state BLOB
  );
  CREATE TABLE partitions (
    partition INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
  );
  CREATE TABLE segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    entries INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX segments_bucket ON segments (bucket, id);
  CREATE INDEX segments_batch ON segments (batch_id);
  CREATE TABLE held (
    id INTEGER PRIMARY KEY,
    reading_id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    meter_id TEXT NOT NULL,
    end_day INTEGER NOT NULL,
    value REAL,
    override REAL,
    source INTEGER NOT NULL,
    verification INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    line TEXT NOT NULL,
    rules_version TEXT,
    resolved_at TEXT
  );
  CREATE INDEX held_meter ON held (meter_id, id);
  CREATE INDEX held_batch ON held (batch_id);
  CREATE TABLE flags (
    meter_id TEXT PRIMARY KEY,
    partition INTEGER NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX flags_partition ON flags (partition);
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    meter_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('set', 'clear')),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX audit_meter ON audit (meter_id, id);
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL,
    meter_id TEXT NOT NULL,
    end_day INTEGER NOT NULL,
    rule TEXT NOT NULL,
    line TEXT NOT NULL
  );
  CREATE INDEX alerts_batch ON alerts (batch_id);
  CREATE TABLE episodes (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    inputs TEXT NOT NULL,
    summary TEXT
  );
  CREATE INDEX runs_status ON runs (status);
  CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    input TEXT NOT NULL,
    rows INTEGER NOT NULL,
    billable INTEGER NOT NULL,
    held INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    sensor INTEGER NOT NULL DEFAULT 0,
    rules_version TEXT,
    committed_at TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: operators release held readings (resolved with who and why; audited as `release`)
  `
  ALTER TABLE held ADD COLUMN resolved_by TEXT;
  ALTER TABLE held ADD COLUMN resolve_reason TEXT;
  CREATE INDEX held_reading ON held (reading_id);
  CREATE INDEX held_open ON held (id) WHERE resolved_at IS NULL;
  CREATE TABLE audit_v2 (
    id INTEGER PRIMARY KEY,
    meter_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('set', 'clear', 'release')),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
  );
  INSERT INTO audit_v2 (id, meter_id, action, reason, actor, at) SELECT id, meter_id, action, reason, actor, at FROM audit;
  DROP TABLE audit;
  ALTER TABLE audit_v2 RENAME TO audit;
  CREATE INDEX audit_meter ON audit (meter_id, id);
  `,
  // 3: batches in commit order, each batch's rejected rows (a store's outputs can be exported), and
  // when a worker published a batch's outputs (its outbox mark)
  `
  ALTER TABLE batches ADD COLUMN commit_seq INTEGER;
  ALTER TABLE batches ADD COLUMN published_at TEXT;
  UPDATE batches SET commit_seq = (SELECT count(*) FROM batches b
    WHERE b.committed_at < batches.committed_at OR (b.committed_at = batches.committed_at AND b.batch_id <= batches.batch_id));
  CREATE INDEX batches_seq ON batches (commit_seq);
  CREATE TABLE rejected (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL,
    line TEXT NOT NULL
  );
  CREATE INDEX rejected_batch ON rejected (batch_id);
  `,
  // 4: the control API: tokens (only their SHA-256 kept) and photos of manual readings, content-addressed
  `
  CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  ) WITHOUT ROWID;
  CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    data BLOB NOT NULL,
    stored_at TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 5: fencing by meter (bucket-fence.ts): a version per bucket, and per version the meters (slots,
  // a bitmap; NULL every meter) the commit that made it decided, and its run
  `
  CREATE TABLE bucket_versions (
    bucket INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
  );
  CREATE TABLE bucket_changes (
    bucket INTEGER NOT NULL,
    version INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    slots BLOB,
    PRIMARY KEY (bucket, version)
  ) WITHOUT ROWID;
  `,
  // 6: a held reading keeps whether it came with a photo (has_photo), for its release
  `
  ALTER TABLE held ADD COLUMN photo INTEGER NOT NULL DEFAULT 0;
  `,
  // 7: a ledger segment keeps the latest end day among its entries and its meters' slots (a
  // bitmap), so one meter's recent readings are read from the segments that hold it, newest first
  `
  ALTER TABLE segments ADD COLUMN max_end INTEGER;
  ALTER TABLE segments ADD COLUMN slots BLOB;
  `,
  // 8: whether a bucket's registry has register limits or pulse weights (registryLimits), so the
  // decoding thread's limit check reads only the BLOBs of buckets that have some, found by a
  // partial index of those buckets (not by reading every bucket's page); filled from the BLOBs by
  // mf_registry_limits (registered by migrateLayout)
  `
  ALTER TABLE buckets ADD COLUMN limits INTEGER;
  UPDATE buckets SET limits = mf_registry_limits(registry);
  CREATE INDEX buckets_limited ON buckets (bucket) WHERE limits IS NOT 0;
  `,
  // 9: a bucket's state BLOB in a table of its own (as in the PostgreSQL store), so a commit
  // rewrites the pages of the state it changes, not those of the registry beside it (a nightly
  // run of 1M meters x 1 reading wrote 111 MB to the WAL before, 78 MB after), and the decoding
  // thread's registry reads skip the state's pages
  `
  CREATE TABLE bucket_state (
    bucket INTEGER PRIMARY KEY,
    meters INTEGER NOT NULL,
    state BLOB NOT NULL
  );
  INSERT INTO bucket_state (bucket, meters, state) SELECT bucket, meters, state FROM buckets WHERE state IS NOT NULL;
  ALTER TABLE buckets DROP COLUMN state;
  `,
  // 10: state BLOBs and ledger segments of format 3 (whole numbers as int32s: bucket-state.ts,
  // history.ts) are written from here on. No table changes: the version tells an older
  // meterflow, which cannot read them, to refuse the store when it opens it (MF_ERR_STORE_SCHEMA)
  // rather than fail at the first such BLOB; the meta row says which formats the store may hold.
  `
  INSERT INTO meta (key, value) VALUES ('blob_format', '3') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  `,
  // 11: a held pulse reading keeps its pulse columns (held-pulse.ts), so a release bills its
  // debounced count and judges its faults as the run did; NULL for older records and register readings
  `
  ALTER TABLE held ADD COLUMN pulse TEXT;
  `,
  // 12: a batch keeps its sensor channel figures (values,out_of_range,late,alerts: contract.ts
  // encodeBatchSensors), so a rerun that adopts it counts them in its summary; NULL for a batch
  // without sensor values and for older batches (counted as none)
  `
  ALTER TABLE batches ADD COLUMN sensors TEXT;
  `,
  // 13: the open readings held `unknown_meter` by an index of their own: a working set counts
  // them for their meter once it is registered (contract.ts unknownHeld)
  `
  CREATE INDEX IF NOT EXISTS held_unknown ON held (meter_id) WHERE resolved_at IS NULL AND reasons = 'unknown_meter';
  `,
  // 14: ledger segments hold an 11th column from here on, a pulse meter's baseline's debounced
  // count (history.ts `debounced`: owed once a reading before it enters the chain). No table
  // changes: the version tells an older meterflow, which cannot read such segments, to refuse the
  // store when it opens it (MF_ERR_STORE_SCHEMA); segments written before keep 10 columns, read
  // with the count not kept (NaN).
  `
  INSERT INTO meta (key, value) VALUES ('ledger_columns', '11') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  `,
];

/**
 * Brings a database in this layout (or a fresh one: `from` 0) to the latest migration. The
 * caller holds an IMMEDIATE transaction, so two processes opening one file migrate it once.
 */
export function migrateLayout(db: Database.Database, path: string, from: number): void {
  if (from > MIGRATIONS.length) {
    throw new StoreError("MF_ERR_STORE_SCHEMA",
      `database ${path} has layout ${from}, newer than this meterflow (${MIGRATIONS.length})`);
  }
  db.function("mf_registry_limits", { deterministic: true }, (registry: unknown) =>
    (registry instanceof Uint8Array ? registryLimits(registry) : null));
  for (let v = from; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
  db.pragma(`user_version = ${LAYOUT_BASE + MIGRATIONS.length}`);
}
