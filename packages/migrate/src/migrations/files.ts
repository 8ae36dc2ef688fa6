import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@pilot/core';
import { type Statement, type SyntaxProblem, parseStatements } from '../sql/statements.ts';

/** A migration file, read and parsed. */
export interface MigrationFile {
  /** File name, e.g. `0003_add_orders_index.sql`: the migration's identity in the migrations table. */
  name: string;
  path: string;
  sql: string;
  sha256: string;
  /** Marked `-- pilot:no-transaction` at the top: statements run one by one outside a transaction. */
  noTransaction: boolean;
  statements: Statement[];
  syntaxError?: SyntaxProblem;
}

const NO_TRANSACTION = /^--\s*pilot:no-transaction\b/;

/** Reads every `*.sql` file of `dir` in name order. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new UsageError(
      `migrations folder ${dir} not found: create it, pass --dir DIR, or set migrations.dir in pilot.config.ts`,
    );
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(names.map((name) => readMigration(join(dir, name), name)));
}

/** Reads and parses one migration file. */
export async function readMigration(path: string, name: string): Promise<MigrationFile> {
  return parseMigration(name, await readFile(path, 'utf8'), path);
}

/** Parses migration SQL already in memory. */
export async function parseMigration(name: string, sql: string, path = name): Promise<MigrationFile> {
  const { statements, leadingComments, error } = await parseStatements(sql);
  return {
    name,
    path,
    sql,
    sha256: createHash('sha256').update(sql).digest('hex'),
    noTransaction: leadingComments.some((line) => NO_TRANSACTION.test(line)),
    statements,
    syntaxError: error,
  };
}
