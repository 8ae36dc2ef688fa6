import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@pilot/core';
import type pg from 'pg';
import type { MigrateSettings } from '../db/settings.ts';
import type { MigrationFile } from '../migrations/files.ts';
import { type DryRunResult, dryRunFiles } from './dry-run-files.ts';

/** The dry-run, repeated with doubling back-off while it fails on a lock timeout (55P03): a busy table is not a broken migration. */
export async function dryRunWithRetries(
  client: pg.Client,
  files: readonly MigrationFile[],
  s: MigrateSettings,
  log: Logger,
  signal?: AbortSignal,
): Promise<{ results: DryRunResult[]; attempts: number }> {
  for (let n = 1; ; n++) {
    const results = await dryRunFiles(client, files, s, signal);
    const locked = results.find((r) => r.error?.sqlstate === '55P03');
    if (!locked || n > s.retries) return { results, attempts: n };
    const waitMs = s.retryBackoffMs * 2 ** (n - 1);
    log.warn(
      'migration.retry',
      `dry-run ${locked.name}:${locked.error?.line}: lock timeout (${s.lockTimeout}) — another session holds a conflicting lock; retry ${n} of ${s.retries} in ${waitMs} ms`,
      { migration: locked.name, attempt: n, waitMs },
    );
    await sleep(waitMs, undefined, { signal });
  }
}
