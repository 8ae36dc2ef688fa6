import { connect } from '../db/connect.ts';
import { resolveSettings } from '../db/settings.ts';
import type { MigrateOptions } from '../dry-run/dry-run.ts';
import { readMigrations } from './files.ts';
import { type PendingSplit, splitPending } from './pending.ts';
import { readApplied } from './table.ts';

/** Names of the pending, applied and edited-after-applying migrations of an environment (reads the migrations table). */
export async function pendingMigrations(
  o: MigrateOptions,
): Promise<{ database: string; pending: string[]; applied: string[]; edited: PendingSplit['edited'] }> {
  const s = resolveSettings(o);
  const files = await readMigrations(s.dirPath);
  const client = await connect(s.url, s.urlEnv);
  try {
    const split = splitPending(files, await readApplied(client, s.table));
    return {
      database: s.urlEnv,
      pending: split.pending.map((f) => f.name),
      applied: split.applied,
      edited: split.edited,
    };
  } finally {
    await client.end();
  }
}
