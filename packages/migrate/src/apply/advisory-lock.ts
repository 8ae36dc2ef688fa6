import { RefusedError } from '@pilot/core';
import type pg from 'pg';

// One fixed key for every pilot migration run ("pilot" in ASCII): two runs on one database exclude each other.
const KEY = 0x70696c6f74n;

/** Takes the session-level advisory lock, or refuses (exit 3) naming the session that holds it. */
export async function takeAdvisoryLock(client: pg.Client): Promise<void> {
  const { rows } = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [KEY.toString()]);
  if (rows[0].locked) return;
  // A bigint key is stored as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
  const holder = await client.query(
    "SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1 AND l.granted",
    [Number(KEY >> 32n), Number(KEY & 0xffffffffn)],
  );
  const who = holder.rows[0]
    ? ` (PostgreSQL pid ${holder.rows[0].pid}, ${holder.rows[0].application_name || 'no application_name'}, since ${new Date(holder.rows[0].backend_start).toISOString()})`
    : '';
  throw new RefusedError(
    `another safe-migration is running on this database${who}: wait for it to finish, then run again`,
  );
}

/** Releases the advisory lock (closing the session releases it too). */
export async function releaseAdvisoryLock(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [KEY.toString()]);
}

/** The lock key, for tests that hold it from another session. */
export const ADVISORY_LOCK_KEY = KEY;
