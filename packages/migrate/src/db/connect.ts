import { FailedError } from '@pilot/core';
import pg from 'pg';

/** Opens a session on the database; the error names the variable, never the URL. */
export async function connect(url: string, urlEnv: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'pilot-migrate' });
  // An idle client whose server goes away emits 'error'; without a listener that would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new FailedError(`cannot connect to the database in ${urlEnv}: ${(error as Error).message}`, { cause: error });
  }
  return client;
}

/** `SET [LOCAL] lock_timeout / statement_timeout` for the migration session or transaction. */
export async function setTimeouts(
  client: pg.Client,
  scope: 'LOCAL' | 'SESSION',
  lockTimeoutMs: number,
  statementTimeoutMs: number,
): Promise<void> {
  await client.query(`SET ${scope} lock_timeout = ${Math.round(lockTimeoutMs)}`);
  await client.query(`SET ${scope} statement_timeout = ${Math.round(statementTimeoutMs)}`);
}

/** A PostgreSQL error's useful parts, with the position turned into a line of the migration file. */
export interface SqlFailure {
  sqlstate?: string;
  message: string;
  line?: number;
  detail?: string;
  hint?: string;
}

/** Describes a failed statement that starts at `line` of its file. */
export function describeSqlError(error: unknown, statementSql: string, line: number): SqlFailure {
  const e = error as { code?: string; message?: string; position?: string; detail?: string; hint?: string };
  const position = Number(e.position);
  const offset =
    Number.isFinite(position) && position > 0 ? statementSql.slice(0, position - 1).split('\n').length - 1 : 0;
  return {
    sqlstate: e.code,
    message: e.message ?? String(error),
    line: line + offset,
    ...(e.detail && { detail: e.detail }),
    ...(e.hint && { hint: e.hint }),
  };
}
