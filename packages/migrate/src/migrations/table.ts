import type pg from 'pg';

/** A row of the migrations table. */
export interface AppliedMigration {
  name: string;
  sha256: string;
  appliedAt: string;
  durationMs: number;
}

/** Creates the migrations table if it is missing. */
export async function ensureMigrationsTable(client: pg.Client, table: string): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL)`,
  );
}

/** The recorded migrations (none when the table does not exist yet). */
export async function readApplied(client: pg.Client, table: string): Promise<Map<string, AppliedMigration>> {
  const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS exists', [table]);
  if (!exists.rows[0].exists) return new Map();
  const { rows } = await client.query(`SELECT name, sha256, applied_at, duration_ms FROM ${table} ORDER BY name`);
  return new Map(
    rows.map((r) => [
      r.name,
      { name: r.name, sha256: r.sha256, appliedAt: new Date(r.applied_at).toISOString(), durationMs: r.duration_ms },
    ]),
  );
}

/** Records a migration; run inside the migration's own transaction. */
export async function recordApplied(
  client: pg.Client,
  table: string,
  name: string,
  sha256: string,
  durationMs: number,
): Promise<void> {
  await client.query(`INSERT INTO ${table} (name, sha256, duration_ms) VALUES ($1, $2, $3)`, [
    name,
    sha256,
    Math.round(durationMs),
  ]);
}
