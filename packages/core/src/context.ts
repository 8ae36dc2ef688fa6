import { type LoadedConfig, loadConfig, resolveEnvironment } from './config/load.ts';
import { type EnvironmentConfig, type PilotConfig, notifySecretNames } from './config/schema.ts';
import type { Logger } from './log/logger.ts';
import { secretsFromEnv } from './log/redact.ts';
import { stateDir, statePaths } from './paths.ts';

export interface EnvContext extends LoadedConfig {
  envName: string;
  env: EnvironmentConfig;
  paths: ReturnType<typeof statePaths>;
  lockOptions: { path: string; auditPath: string };
}

/** Loads the config, picks the environment and teaches the logger the config's secrets: the start of most commands. */
export async function openEnv(
  cwd: string,
  envName: string | undefined,
  log?: Logger,
  loaded?: LoadedConfig,
): Promise<EnvContext> {
  loaded ??= await loadConfig(cwd);
  if (log) learnSecrets(log, loaded.config);
  const { name, env } = resolveEnvironment(loaded.config, envName);
  const paths = statePaths(stateDir(loaded.root));
  return { ...loaded, envName: name, env, paths, lockOptions: { path: paths.lock(name), auditPath: paths.audit } };
}

/** One environment (`--env E`) or every environment of the config, which is loaded once for all of them. */
export async function openEnvs(cwd: string, envName: string | undefined, log?: Logger): Promise<EnvContext[]> {
  const loaded = await loadConfig(cwd);
  const names = envName ? [envName] : Object.keys(loaded.config.environments);
  return Promise.all(names.map((name) => openEnv(cwd, name, log, loaded)));
}

/**
 * Teaches the logger the values of the config's secret variables (`secrets`, notify and hook credentials, the
 * database URLs of dependency checks and migrations): openEnv does it, and so must every command that loads the
 * config itself (`pilot demo`, `pnpm attest`).
 */
export function learnSecrets(log: Logger, config: PilotConfig, env: NodeJS.ProcessEnv = process.env): void {
  const urls = [
    ...config.checks.dependencies.map((d) => d.urlEnv),
    ...(config.migrations ? [config.migrations.databaseUrlEnv] : []),
    ...Object.values(config.environments).flatMap((e) => (e.migrate.databaseUrlEnv ? [e.migrate.databaseUrlEnv] : [])),
  ];
  log.redactor.add(secretsFromEnv([...config.secrets, ...notifySecretNames(config), ...urls], env));
}
