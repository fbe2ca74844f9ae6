// SQLite schema, versioned: migration N brings a database from user_version N-1 to N.
//
// Layout (why it is not a row per reading): SQLite inserts about 0.5M keyed rows/s here, so a
// row per reading would cap a run there. Accepted readings are kept as columnar segments, one
// BLOB per batch and block of meters; per-meter state as one BLOB per block of meters, rewritten
// when a batch touches it. Held readings (a few percent) get a row each, queryable by ops.

/** Meters per state chunk and history segment. */
export const CHUNK_METERS = 1024;

export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE meters (
    meter_key INTEGER PRIMARY KEY,
    meter_id TEXT NOT NULL UNIQUE,
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
    last_end INTEGER
  );
  CREATE TABLE meter_state (
    chunk INTEGER PRIMARY KEY,
    meters INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE TABLE history (
    segment INTEGER PRIMARY KEY,
    chunk INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    day_lo INTEGER NOT NULL,
    day_hi INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX history_chunk ON history (chunk, segment);
  CREATE INDEX history_batch ON history (batch_id);
  CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    inputs TEXT NOT NULL,
    summary TEXT
  );
  CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    seq INTEGER NOT NULL,
    input TEXT NOT NULL,
    rows INTEGER NOT NULL,
    billable INTEGER NOT NULL,
    held INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    committed_at TEXT NOT NULL
  );
  CREATE TABLE held (
    reading_id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    meter_id TEXT NOT NULL,
    end_day INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    line TEXT NOT NULL,
    resolved_at TEXT
  );
  CREATE INDEX held_batch ON held (batch_id);
  CREATE INDEX held_meter ON held (meter_id, end_day);
  CREATE TABLE temp_bad_audit (
    id INTEGER PRIMARY KEY,
    meter_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('set', 'clear')),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
  );
  `,
  // 2: settings and facts about the database, e.g. the digest of the last imported registry
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 3: the rules version with every decision
  `
  ALTER TABLE batches ADD COLUMN rules_version TEXT;
  ALTER TABLE held ADD COLUMN rules_version TEXT;
  `,
  // 4: pulse meters (DESIGN.md "Pulse meters and impulse-sensor faults")
  `
  ALTER TABLE meters ADD COLUMN pulse_weight REAL;
  ALTER TABLE meters ADD COLUMN pulse_input TEXT;
  ALTER TABLE meters ADD COLUMN pulse_width_ms REAL;
  ALTER TABLE meters ADD COLUMN qmax REAL;
  ALTER TABLE meters ADD COLUMN no_pulse_days REAL;
  ALTER TABLE meters ADD COLUMN debounce_ms REAL;
  `,
  // 5: sensor rows (channel values only) per batch, and the sensor thresholds' open episodes
  `
  ALTER TABLE batches ADD COLUMN sensor INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE sensor_state (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL
  );
  `,
];
