import { resolve } from 'node:path';
import {
  type EnvironmentConfig,
  FailedError,
  type Logger,
  type PilotConfig,
  loadConfig,
  pgBin,
  shell,
} from '@pilot/core';
import { resolveSettings } from '../db/settings.ts';
import { stderrOf, verifyDump } from './dump.ts';
import { libpqEnv } from './libpq-env.ts';
import { dropStatements, relationsAfterDump, relationsInDump } from './objects-after-dump.ts';

/** The restore command to print: names the URL variable, never its value. */
export function restoreCommand(urlEnv: string, dump: string): string {
  const quoted = /^[\w./:@%+=-]+$/.test(dump) ? dump : `'${dump.replaceAll("'", "'\\''")}'`;
  return `pg_restore --clean --if-exists --no-owner --single-transaction -d "$${urlEnv}" ${quoted}`;
}

/**
 * Restores a dump made by safe-migration into the environment's database, exactly: checks its sha256 sidecar and
 * reads it fully first, then in one psql transaction drops the relations created after the dump (pg_restore --clean
 * alone leaves them) and replays `pg_restore --clean --if-exists --no-owner`. All or nothing.
 */
export async function restoreDump(o: {
  root: string;
  envName: string;
  env: EnvironmentConfig;
  config?: PilotConfig;
  dump: string;
  log: Logger;
  signal?: AbortSignal;
  processEnv?: NodeJS.ProcessEnv;
}): Promise<Record<string, unknown>> {
  const config = o.config ?? (await loadConfig(o.root)).config;
  const settings = resolveSettings({ ...o, config });
  const dump = resolve(o.root, o.dump);
  const { sha256 } = await verifyDump(dump);
  o.log.info(
    'migration.restore',
    `restoring ${dump} (sha256 ${sha256}) into the ${o.envName} database (${settings.urlEnv})`,
    { dump, sha256 },
  );
  const env = libpqEnv(settings.url);
  const started = performance.now();
  const extra = await relationsAfterDump(settings.url, await relationsInDump(dump, env));
  try {
    const $$ = shell({ env, signal: o.signal, log: o.log, buffer: false });
    const psql = $$`${pgBin('psql')} --no-psqlrc --quiet --single-transaction --set ON_ERROR_STOP=1 --no-password --file -`;
    // The drops go first, in the same transaction as the replay that follows them on psql's stdin.
    psql.stdin.write(dropStatements(extra));
    await $$`${pgBin('pg_restore')} --clean --if-exists --no-owner --file - ${dump}`.pipe(psql);
  } catch (error) {
    throw new FailedError(`restoring ${dump} failed and was rolled back (single transaction): ${stderrOf(error)}`, {
      cause: error,
    });
  }
  const durationMs = Math.round(performance.now() - started);
  const dropped = extra.map((r) => `${r.schema}.${r.name}`);
  o.log.info(
    'migration.restored',
    `restored ${dump} into ${o.envName} in ${durationMs} ms${dropped.length ? `; dropped what came after it: ${dropped.join(', ')}` : ''}`,
    { dump, sha256, durationMs, dropped },
  );
  return { restored: true, dump, sha256, database: settings.urlEnv, durationMs, dropped };
}
