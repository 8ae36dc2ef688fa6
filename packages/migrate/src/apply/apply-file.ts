import { setTimeout as sleep } from 'node:timers/promises';
import { FailedError, type Logger } from '@pilot/core';
import type pg from 'pg';
import { type SqlFailure, describeSqlError, setTimeouts } from '../db/connect.ts';
import type { MigrateSettings } from '../db/settings.ts';
import type { MigrationFile } from '../migrations/files.ts';
import { recordApplied } from '../migrations/table.ts';
import type { Statement } from '../sql/statements.ts';

const LOCK_NOT_AVAILABLE = '55P03';

/** A migration that failed to apply, with the PostgreSQL error and the attempts made. */
export class ApplyError extends FailedError {
  constructor(
    readonly migration: string,
    readonly failure: SqlFailure,
    readonly attempts: number,
    message: string,
  ) {
    super(message);
  }
}

/** Applies one migration (in one transaction with its row, or statement by statement for no-transaction files), retrying lock timeouts. */
export async function applyFile(
  client: pg.Client,
  file: MigrationFile,
  s: MigrateSettings,
  log: Logger,
  signal?: AbortSignal,
): Promise<{ durationMs: number; attempts: number }> {
  const started = performance.now();
  if (!file.noTransaction) {
    const attempts = await withRetries(file, s, log, signal, async () => {
      await client.query('BEGIN');
      try {
        await setTimeouts(client, 'LOCAL', s.lockTimeoutMs, s.statementTimeoutMs);
        for (const statement of file.statements) await run(client, statement);
        await recordApplied(client, s.table, file.name, file.sha256, performance.now() - started);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    });
    return { durationMs: performance.now() - started, attempts };
  }
  // Outside a transaction run the long, non-blocking builds (CREATE INDEX CONCURRENTLY, VACUUM): cancelling one by
  // statement_timeout would leave an INVALID index, so only lock_timeout guards them.
  await setTimeouts(client, 'SESSION', s.lockTimeoutMs, 0);
  let attempts = 0;
  for (const [index, statement] of file.statements.entries()) {
    attempts += await withRetries(file, s, log, signal, () => run(client, statement), index);
  }
  await recordApplied(client, s.table, file.name, file.sha256, performance.now() - started);
  return { durationMs: performance.now() - started, attempts };
}

// Tags a statement's error with where it happened.
async function run(client: pg.Client, statement: Statement): Promise<void> {
  try {
    await client.query(statement.sql);
  } catch (error) {
    throw Object.assign(error as object, { failure: describeSqlError(error, statement.sql, statement.line) });
  }
}

// Runs `attempt`, retrying SQLSTATE 55P03 with doubling back-off; returns the number of attempts.
async function withRetries(
  file: MigrationFile,
  s: MigrateSettings,
  log: Logger,
  signal: AbortSignal | undefined,
  attempt: () => Promise<void>,
  committed?: number,
): Promise<number> {
  for (let n = 1; ; n++) {
    try {
      await attempt();
      return n;
    } catch (error) {
      const failure: SqlFailure = (error as { failure?: SqlFailure }).failure ?? {
        message: (error as Error).message,
        sqlstate: (error as { code?: string }).code,
      };
      if (failure.sqlstate === LOCK_NOT_AVAILABLE && n <= s.retries) {
        const waitMs = s.retryBackoffMs * 2 ** (n - 1);
        log.warn(
          'migration.retry',
          `${file.name}:${failure.line}: lock timeout (${s.lockTimeout}) — another session holds a conflicting lock; retry ${n} of ${s.retries} in ${waitMs} ms`,
          { migration: file.name, attempt: n, waitMs },
        );
        await sleep(waitMs, undefined, { signal });
        continue;
      }
      throw new ApplyError(file.name, failure, n, describeFailure(file, failure, n, s, committed));
    }
  }
}

function describeFailure(
  file: MigrationFile,
  f: SqlFailure,
  attempts: number,
  s: MigrateSettings,
  committed?: number,
): string {
  const where = `${file.name}:${f.line ?? '?'}`;
  const lock =
    f.sqlstate === LOCK_NOT_AVAILABLE
      ? ` — still blocked after ${attempts} attempts (lock_timeout ${s.lockTimeout}, ${s.retries} retries): find the blocking session in pg_stat_activity / pg_locks and retry when it is gone`
      : '';
  const extra = [f.detail && `detail: ${f.detail}`, f.hint && `hint: ${f.hint}`].filter(Boolean).join('; ');
  const partial =
    committed === undefined
      ? ' It was rolled back: nothing of this migration was applied.'
      : ` This file runs outside a transaction: its first ${committed} statement(s) were committed and stay (an interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index: DROP INDEX CONCURRENTLY it); make its statements idempotent (IF NOT EXISTS) and run again.`;
  return `migration ${where} failed: ${f.message}${f.sqlstate ? ` (SQLSTATE ${f.sqlstate})` : ''}${lock}${extra ? ` (${extra})` : ''}.${partial}`;
}
