import type { EnvironmentConfig, Logger, PilotConfig } from '@pilot/core';
import { connect } from '../db/connect.ts';
import { resolveSettings } from '../db/settings.ts';
import { readMigrations } from '../migrations/files.ts';
import { type PendingSplit, splitPending } from '../migrations/pending.ts';
import { readApplied } from '../migrations/table.ts';
import { type DryRunResult, dryRunFiles } from './dry-run-files.ts';

/** The dry-run of an environment's pending migrations. */
export interface DryRunReport {
  /** The variable the database URL came from. */
  database: string;
  pending: string[];
  applied: string[];
  edited: PendingSplit['edited'];
  migrations: DryRunResult[];
  ok: boolean;
}

/** Options shared by the database-facing functions. */
export interface MigrateOptions {
  root: string;
  config: PilotConfig;
  envName: string;
  env: EnvironmentConfig;
  /** Migration folder (absolute, or relative to root); default `migrations.dir`. */
  dir?: string;
  log: Logger;
  signal?: AbortSignal;
  /** Where the database URL variable is read (default process.env). */
  processEnv?: NodeJS.ProcessEnv;
}

/** Applies the pending migrations in a transaction that is rolled back, and reports each one (never changes the schema). */
export async function dryRunMigrations(o: MigrateOptions): Promise<DryRunReport> {
  const settings = resolveSettings(o);
  const files = await readMigrations(settings.dirPath);
  const client = await connect(settings.url, settings.urlEnv);
  try {
    const split = splitPending(files, await readApplied(client, settings.table));
    o.log.info('migration.dry-run', `dry-run of ${split.pending.length} pending migration(s) on ${o.envName}`, {
      pending: split.pending.map((f) => f.name),
    });
    const migrations = await dryRunFiles(client, split.pending, settings, o.signal);
    const ok = split.edited.length === 0 && migrations.every((m) => m.status === 'ok');
    return {
      database: settings.urlEnv,
      pending: split.pending.map((f) => f.name),
      applied: split.applied,
      edited: split.edited,
      migrations,
      ok,
    };
  } finally {
    await client.end();
  }
}
