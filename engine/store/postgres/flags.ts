// Operators' flag changes on PostgreSQL: the version check, the flag's row and its audit record
// in one statement. Without a version to check it is the whole (autocommitted) transaction: one
// round trip. With one, the transaction first takes the meter's lock, so this statement (a fresh
// snapshot once the lock is held) sees every change committed before it.
import type pg from "pg";
import type { FlagRow } from "../contract.js";

// $1 meter, $2 partition, $3 reason, $4 note, $5 actor, $6 at, $7 the version to be at (NULL: any).
const SET_SQL = `
WITH v AS (SELECT coalesce(max(id), 0) AS version FROM audit WHERE meter_id = $1),
ok AS (SELECT FROM v WHERE $7::bigint IS NULL OR v.version = $7::bigint),
f AS (
  INSERT INTO flags (meter_id, partition, reason, note, actor, at) SELECT $1, $2, $3, $4, $5, $6 FROM ok
  ON CONFLICT (meter_id) DO UPDATE SET partition = excluded.partition, reason = excluded.reason, note = excluded.note,
    actor = excluded.actor, at = excluded.at
),
a AS (INSERT INTO audit (meter_id, action, reason, actor, at) SELECT $1, 'set', $3, $5, $6 FROM ok RETURNING id)
SELECT v.version, (SELECT id FROM a) AS audited FROM v`;

// $1 meter, $2 reason, $3 actor, $4 at, $5 the version to be at (NULL: any).
const CLEAR_SQL = `
WITH v AS (SELECT coalesce(max(id), 0) AS version FROM audit WHERE meter_id = $1),
d AS (DELETE FROM flags WHERE meter_id = $1 AND EXISTS (SELECT FROM v WHERE $5::bigint IS NULL OR v.version = $5::bigint) RETURNING 1),
a AS (INSERT INTO audit (meter_id, action, reason, actor, at) SELECT $1, 'clear', $2, $3, $4 WHERE EXISTS (SELECT FROM d) RETURNING id)
SELECT v.version, (SELECT id FROM a) AS audited FROM v`;

/** What a change found: the meter's version before it, and its audit record's id (null: nothing changed). */
export interface FlagChangeResult {
  version: number;
  audited: number | null;
}

type Queryable = Pick<pg.Pool, "query"> | pg.PoolClient;

const resultOf = (r: pg.QueryResult<{ version: string; audited: string | null }>): FlagChangeResult =>
  ({ version: Number(r.rows[0].version), audited: r.rows[0].audited === null ? null : Number(r.rows[0].audited) });

/** Sets (replaces) the flag and audits it, unless the meter is not at `ifVersion`. */
export async function setFlagRow(db: Queryable, partition: number, flag: FlagRow, ifVersion: number | undefined): Promise<FlagChangeResult> {
  return resultOf(await db.query(SET_SQL, [flag.meterId, partition, flag.reason, flag.note, flag.actor, flag.at, ifVersion ?? null]));
}

/** Clears the flag and audits it, unless the meter has none or is not at `ifVersion`. */
export async function clearFlagRow(db: Queryable, meterId: string, reason: string, actor: string, at: string, ifVersion: number | undefined): Promise<FlagChangeResult> {
  return resultOf(await db.query(CLEAR_SQL, [meterId, reason, actor, at, ifVersion ?? null]));
}
