import { InterruptedError } from '@pilot/core';
import type pg from 'pg';
import { type SqlFailure, describeSqlError, setTimeouts } from '../db/connect.ts';
import type { MigrationFile } from '../migrations/files.ts';
import { notDryRunReason } from './classify.ts';

/** What the dry-run found for one migration. */
export interface DryRunResult {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  durationMs: number;
  error?: SqlFailure;
  /** Why it was skipped (an earlier migration failed). */
  reason?: string;
  /** Statements not tried, each with why: they are never reported as passed. */
  notDryRun: Array<{ line: number; statement: string; reason: string }>;
}

/**
 * Applies `files` in order inside one transaction with SET LOCAL timeouts, then rolls it back.
 * After a failure the remaining migrations are skipped (they usually depend on it).
 */
export async function dryRunFiles(
  client: pg.Client,
  files: readonly MigrationFile[],
  timeouts: { lockTimeoutMs: number; statementTimeoutMs: number },
  signal?: AbortSignal,
): Promise<DryRunResult[]> {
  const results: DryRunResult[] = [];
  await client.query('BEGIN');
  try {
    await setTimeouts(client, 'LOCAL', timeouts.lockTimeoutMs, timeouts.statementTimeoutMs);
    for (const file of files) {
      if (results.some((r) => r.status !== 'ok')) {
        results.push({
          name: file.name,
          status: 'skipped',
          durationMs: 0,
          reason: 'an earlier migration failed the dry-run',
          notDryRun: [],
        });
        continue;
      }
      results.push(await dryRunFile(client, file, signal));
    }
  } finally {
    await client.query('ROLLBACK');
  }
  return results;
}

async function dryRunFile(client: pg.Client, file: MigrationFile, signal?: AbortSignal): Promise<DryRunResult> {
  const started = performance.now();
  const result: DryRunResult = { name: file.name, status: 'ok', durationMs: 0, notDryRun: [] };
  if (file.syntaxError)
    return { ...result, status: 'failed', error: { message: file.syntaxError.message, line: file.syntaxError.line } };
  for (const statement of file.statements) {
    if (signal?.aborted) throw new InterruptedError('dry-run interrupted; its transaction was rolled back');
    const reason = notDryRunReason(statement);
    if (reason) {
      result.notDryRun.push({ line: statement.line, statement: statement.sql.split('\n')[0].slice(0, 80), reason });
      continue;
    }
    try {
      await client.query(statement.sql);
    } catch (error) {
      return {
        ...result,
        status: 'failed',
        durationMs: performance.now() - started,
        error: describeSqlError(error, statement.sql, statement.line),
      };
    }
  }
  return { ...result, durationMs: performance.now() - started };
}
