import { resolve } from 'node:path';
import { type EnvironmentConfig, FailedError, type Logger, type PilotConfig, loadConfig } from '@pilot/core';
import { execa } from 'execa';
import { resolveSettings } from '../db/settings.ts';
import { stderrOf, verifyDump } from './dump.ts';
import { libpqEnv } from './libpq-env.ts';
import { pgBin } from './pg-bin.ts';

/** The restore command to print: names the URL variable, never its value. */
export function restoreCommand(urlEnv: string, dump: string): string {
  const quoted = /^[\w./:@%+=-]+$/.test(dump) ? dump : `'${dump.replaceAll("'", "'\\''")}'`;
  return `pg_restore --clean --if-exists --no-owner --single-transaction -d "$${urlEnv}" ${quoted}`;
}

/**
 * Restores a dump made by safe-migration into the environment's database: checks its sha256 sidecar and reads it
 * fully first, then `pg_restore --clean --if-exists --no-owner --single-transaction` (all or nothing).
 * Objects created after the dump and absent from it are left in place (pg_restore drops only what the dump holds).
 */
export async function restoreDump(o: { root: string; envName: string; env: EnvironmentConfig; config?: PilotConfig; dump: string; log: Logger; signal?: AbortSignal; processEnv?: NodeJS.ProcessEnv }): Promise<Record<string, unknown>> {
  const config = o.config ?? (await loadConfig(o.root)).config;
  const settings = resolveSettings({ ...o, config });
  const dump = resolve(o.root, o.dump);
  const { sha256 } = await verifyDump(dump);
  o.log.info('migration.restore', `restoring ${dump} (sha256 ${sha256}) into the ${o.envName} database (${settings.urlEnv})`, { dump, sha256 });
  const env = libpqEnv(settings.url);
  const started = performance.now();
  try {
    await execa(pgBin('pg_restore'), ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--no-password', '--dbname', env.PGDATABASE ?? 'postgres', dump], { env, cancelSignal: o.signal });
  } catch (error) {
    throw new FailedError(`pg_restore of ${dump} failed and was rolled back (single transaction): ${stderrOf(error)}`, { cause: error });
  }
  const durationMs = Math.round(performance.now() - started);
  o.log.info('migration.restored', `restored ${dump} into ${o.envName} in ${durationMs} ms`, { dump, sha256, durationMs });
  return { restored: true, dump, sha256, database: settings.urlEnv, durationMs };
}
