import { FailedError, InterruptedError, statePaths, stateDir } from '@pilot/core';
import { connect } from '../db/connect.ts';
import { resolveSettings } from '../db/settings.ts';
import type { MigrateOptions } from '../dry-run/dry-run.ts';
import type { DryRunResult } from '../dry-run/dry-run-files.ts';
import { dryRunWithRetries } from '../dry-run/dry-run-retry.ts';
import { type Dump, createDump } from '../dump/dump.ts';
import { restoreCommand } from '../dump/restore.ts';
import { lintFiles } from '../lint/lint.ts';
import type { LintReport } from '../lint/types.ts';
import { readMigrations } from '../migrations/files.ts';
import { editedMessage, splitPending } from '../migrations/pending.ts';
import { ensureMigrationsTable, readApplied } from '../migrations/table.ts';
import { takeAdvisoryLock, releaseAdvisoryLock } from './advisory-lock.ts';
import { ApplyError, applyFile } from './apply-file.ts';
import { appendMigrationLog } from './migration-log.ts';
import { MigrationFailedError } from './migration-failed.ts';
import { type VerifyResult, verifyMigrations } from './verify.ts';

/** Receives journal events (`migration.backup`, `migration.applied`, `migration.failed`) when run under pilot. */
export type JournalFn = (event: string, fields: Record<string, unknown>) => Promise<void>;

/** What safe-migration did. */
export interface SafeMigrateResult {
  envName: string;
  /** The variable the database URL came from. */
  database: string;
  applied: string[];
  dump?: string;
  dumpSha256?: string;
  restoreCommand?: string;
  lint?: LintReport;
  dryRun: DryRunResult[];
  verify: VerifyResult[];
  migrationLog?: string;
}

/**
 * Backs up, lints, dry-runs, applies (lock timeouts, retries, advisory lock), verifies and logs the pending
 * migrations of one environment. Asks nothing: the caller confirms. Throws MigrationFailedError (exit 1),
 * RefusedError when another run holds the lock (exit 3), UsageError for bad input (exit 2).
 */
export async function safeMigrate(o: MigrateOptions & { journal?: JournalFn }): Promise<SafeMigrateResult> {
  const s = resolveSettings(o);
  const journal: JournalFn = o.journal ?? (async () => {});
  const step = (message: string) => {
    if (o.signal?.aborted)
      throw new InterruptedError('safe-migration interrupted; the current transaction was rolled back');
    o.log.info('migration.step', message);
  };
  const files = await readMigrations(s.dirPath);
  const client = await connect(s.url, s.urlEnv);
  const result: SafeMigrateResult = { envName: o.envName, database: s.urlEnv, applied: [], dryRun: [], verify: [] };
  let dump: Dump | undefined;
  const fail = async (message: string, migration: string | undefined, cause?: unknown): Promise<never> => {
    await journal('migration.failed', { migration, error: message, dump: dump?.path });
    throw new MigrationFailedError(message, {
      migration,
      applied: result.applied,
      dump: dump?.path,
      restoreCommand: result.restoreCommand,
      cause,
    });
  };
  try {
    await takeAdvisoryLock(client);
    // Created before the dump so that the dump (and a restore) includes the migrations table.
    await ensureMigrationsTable(client, s.table);
    const split = splitPending(files, await readApplied(client, s.table));
    if (split.edited.length) throw new FailedError(editedMessage(split.edited, s.table));
    if (split.pending.length === 0) {
      o.log.info('migration.none', `no pending migrations in ${s.dirPath} (${split.applied.length} applied)`);
      return result;
    }
    step(`lint ${split.pending.length} pending migration(s)`);
    result.lint = lintFiles(split.pending);
    if (!result.lint.ok) {
      const errors = result.lint.findings.filter((f) => f.severity === 'error' && !f.allowed);
      throw new FailedError(
        `lint found ${errors.length} error(s), nothing was changed:\n${errors.map((f) => `  ${f.file}:${f.line} ${f.rule}: ${f.message}\n    → ${f.fix}`).join('\n')}\n  details: pnpm migration-dryrun --env ${o.envName}`,
      );
    }
    step('back up the database (pg_dump -Fc, verified)');
    dump = await createDump({
      url: s.url,
      dir: statePaths(stateDir(o.root)).backups(o.envName),
      log: o.log,
      signal: o.signal,
    });
    Object.assign(result, {
      dump: dump.path,
      dumpSha256: dump.sha256,
      restoreCommand: restoreCommand(s.urlEnv, dump.path),
    });
    await journal('migration.backup', { dump: dump.path, sha256: dump.sha256 });
    step('dry-run in a rolled-back transaction');
    const dryRun = await dryRunWithRetries(client, split.pending, s, o.log, o.signal);
    result.dryRun = dryRun.results;
    const broken = result.dryRun.find((r) => r.status === 'failed');
    if (broken) {
      const e = broken.error;
      const attempts =
        e?.sqlstate === '55P03'
          ? ` after ${dryRun.attempts} attempts (lock_timeout ${s.lockTimeout}, ${s.retries} retries): another session holds a conflicting lock`
          : '';
      await fail(
        `dry-run of ${broken.name}:${e?.line ?? '?'} failed: ${e?.message}${e?.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : ''}${attempts}; nothing was applied`,
        broken.name,
      );
    }
    for (const file of split.pending) {
      step(`apply ${file.name}${file.noTransaction ? ' (outside a transaction)' : ''}`);
      try {
        const { durationMs, attempts } = await applyFile(client, file, s, o.log, o.signal);
        o.log.info(
          'migration.applied',
          `applied ${file.name} in ${Math.round(durationMs)} ms${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
          { migration: file.name },
        );
      } catch (error) {
        if (error instanceof ApplyError) await fail(error.message, file.name, error);
        throw error;
      }
      result.applied.push(file.name);
      result.migrationLog = await appendMigrationLog({
        root: o.root,
        config: o.config,
        envName: o.envName,
        migration: file.name,
        sha256: file.sha256,
        dump: dump.path,
      });
      await journal('migration.applied', {
        migration: file.name,
        sha256: file.sha256,
        dump: dump.path,
        dumpSha256: dump.sha256,
      });
    }
    step('verify');
    result.verify = await verifyMigrations(client, s, split.pending);
    const failed = result.verify.filter((v) => !v.ok);
    if (failed.length)
      await fail(
        `verify failed after applying ${result.applied.join(', ')}: ${failed.map((v) => `${v.name}: ${v.problem}`).join('; ')}`,
        result.applied.at(-1),
      );
    return result;
  } finally {
    await releaseAdvisoryLock(client).catch(() => {});
    await client.end();
  }
}
