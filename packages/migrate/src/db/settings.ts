import { isAbsolute, join } from 'node:path';
import {
  type EnvironmentConfig,
  type Logger,
  type MigrationsConfig,
  type PilotConfig,
  UsageError,
  migrationsSchema,
  parseDuration,
} from '@pilot/core';

/** Where and how to migrate one environment: config defaults filled in, the database URL read and masked. */
export interface MigrateSettings extends MigrationsConfig {
  /** Absolute folder of the migration files. */
  dirPath: string;
  /** Name of the variable holding the URL (printed in restore commands instead of the URL). */
  urlEnv: string;
  url: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  retryBackoffMs: number;
}

/** The `migrations` config (defaults when absent), without the database URL: enough for linting. */
export function migrationsConfig(config: PilotConfig | undefined): MigrationsConfig {
  return config?.migrations ?? migrationsSchema.parse({});
}

/** Resolves the settings; a missing URL variable is a usage error naming it. Teaches `log` the URL and its password. */
export function resolveSettings(o: {
  root: string;
  config?: PilotConfig;
  envName: string;
  env: EnvironmentConfig;
  dir?: string;
  log: Logger;
  processEnv?: NodeJS.ProcessEnv;
}): MigrateSettings {
  const m = migrationsConfig(o.config);
  const urlEnv = o.env.migrate.databaseUrlEnv ?? m.databaseUrlEnv;
  const url = (o.processEnv ?? process.env)[urlEnv];
  if (!url)
    throw new UsageError(
      `${urlEnv} is not set: the ${o.envName} database URL comes from it — export ${urlEnv}=postgres://USER:PASSWORD@HOST:5432/DB (the variable is named by environments.${o.envName}.migrate.databaseUrlEnv or migrations.databaseUrlEnv)`,
    );
  o.log.redactor.add([url, passwordOf(url)]);
  const dir = o.dir ?? m.dir;
  return {
    ...m,
    dirPath: isAbsolute(dir) ? dir : join(o.root, dir),
    urlEnv,
    url,
    lockTimeoutMs: parseDuration(m.lockTimeout, 'migrations.lockTimeout'),
    statementTimeoutMs: parseDuration(m.statementTimeout, 'migrations.statementTimeout'),
    retryBackoffMs: parseDuration(m.retryBackoff, 'migrations.retryBackoff'),
  };
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
