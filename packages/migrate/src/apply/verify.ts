import type pg from 'pg';
import type { MigrateSettings } from '../db/settings.ts';
import type { MigrationFile } from '../migrations/files.ts';
import { readApplied } from '../migrations/table.ts';

/** The outcome of one post-migration check. */
export interface VerifyResult {
  name: string;
  ok: boolean;
  problem?: string;
}

/** Runs the configured SQL checks and checks that every applied migration is recorded with its sha256. */
export async function verifyMigrations(
  client: pg.Client,
  s: MigrateSettings,
  applied: readonly MigrationFile[],
): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  const rows = await readApplied(client, s.table);
  const unrecorded = applied.filter((f) => rows.get(f.name)?.sha256 !== f.sha256).map((f) => f.name);
  results.push({
    name: `${s.table} records the applied migrations`,
    ok: unrecorded.length === 0,
    ...(unrecorded.length && { problem: `not recorded with their sha256: ${unrecorded.join(', ')}` }),
  });
  for (const check of s.verify) results.push(await runCheck(client, check));
  return results;
}

async function runCheck(client: pg.Client, check: MigrateSettings['verify'][number]): Promise<VerifyResult> {
  try {
    const { rows, fields } = await client.query({ text: check.sql, rowMode: 'array' });
    if (rows.length === 0)
      return {
        name: check.name,
        ok: false,
        problem: `returned no row (${fields.length ? 'expected one' : 'not a query'})`,
      };
    if (check.expect === undefined) return { name: check.name, ok: true };
    const actual = rows[0][0] === null ? 'null' : String(rows[0][0]);
    return actual === String(check.expect)
      ? { name: check.name, ok: true }
      : {
          name: check.name,
          ok: false,
          problem: `returned ${JSON.stringify(actual)}, expected ${JSON.stringify(String(check.expect))}`,
        };
  } catch (error) {
    return { name: check.name, ok: false, problem: `query failed: ${(error as Error).message}` };
  }
}
