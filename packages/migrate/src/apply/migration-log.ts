import { appendFile, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { PilotConfig } from '@pilot/core';

/** The migration log's path: `git.migrationLog`, default `.async-migration-log` at the repository root. */
export function migrationLogPath(root: string, config: PilotConfig): string {
  const file = config.git.migrationLog ?? '.async-migration-log';
  return isAbsolute(file) ? file : join(root, file);
}

/** Appends `UTC time, env, migration, sha256, dump` (tab-separated) for an applied migration; pilot commits the file. */
export async function appendMigrationLog(o: {
  root: string;
  config: PilotConfig;
  envName: string;
  migration: string;
  sha256: string;
  dump: string;
}): Promise<string> {
  const path = migrationLogPath(o.root, o.config);
  await appendFile(
    path,
    `${new Date().toISOString()}\t${o.envName}\t${o.migration}\t${o.sha256}\t${relative(o.root, o.dump)}\n`,
  );
  return path;
}

/** Names of the migrations the log records for `envName`: what is applied there, known without a database. */
export async function loggedMigrations(root: string, config: PilotConfig, envName: string): Promise<Set<string>> {
  const text = await readFile(migrationLogPath(root, config), 'utf8').catch(() => '');
  return new Set(
    text
      .split('\n')
      .map((line) => line.split('\t'))
      .filter((fields) => fields[1] === envName)
      .map((fields) => fields[2]),
  );
}
