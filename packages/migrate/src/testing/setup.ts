// Test scaffolding: one PostgreSQL per test file, a fresh database and migration folder per test.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Logger, configSchema } from '@pilot/core';
import { type TestPostgres, tempDir } from '@pilot/core/testing';
import pg from 'pg';
import type { MigrateOptions } from '../dry-run/dry-run.ts';

let counter = 0;

/** A logger whose JSON lines are kept in `lines` (and not printed). */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { log: new Logger({ format: 'json', stream }), lines };
}

/** A repository folder with pilot.config.ts, a migrations folder holding `files`, and a fresh database. */
export async function migrationRepo(
  t: { after(fn: () => unknown): void },
  postgres: TestPostgres,
  files: Record<string, string>,
  migrations: Record<string, unknown> = {},
) {
  const root = await tempDir(t, 'pilot-migrate-');
  const dir = join(root, 'migrations');
  await mkdir(dir);
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  const url = await postgres.createDatabase(`t${process.pid}_${++counter}`);
  const input = {
    service: { name: 'svc', dir: '.', start: ['node', 's.js'] },
    environments: { staging: { port: 4100, rules: [] } },
    migrations: {
      databaseUrlEnv: 'TEST_DB_URL',
      lockTimeout: '200ms',
      retryBackoff: '100ms',
      retries: 2,
      ...migrations,
    },
  };
  await writeFile(join(root, 'pilot.config.ts'), `export default ${JSON.stringify(input)};\n`);
  const config = configSchema.parse(input);
  const { log, lines } = captureLogger();
  const options: MigrateOptions = {
    root,
    config,
    envName: 'staging',
    env: config.environments.staging,
    log,
    processEnv: { TEST_DB_URL: url },
  };
  const sql = async (text: string, values?: unknown[]) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    root,
    dir,
    url,
    config,
    options,
    lines,
    sql,
    write: (name: string, text: string) => writeFile(join(dir, name), text),
  };
}

/** Table and column names of the public schema: compares schemas before and after. */
export const SCHEMA_SQL =
  "SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1";
