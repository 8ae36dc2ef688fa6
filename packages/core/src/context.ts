import { type LoadedConfig, loadConfig, resolveEnvironment } from './config/load.ts';
import { type EnvironmentConfig, notifySecretNames } from './config/schema.ts';
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
export async function openEnv(cwd: string, envName: string | undefined, log?: Logger): Promise<EnvContext> {
  const loaded = await loadConfig(cwd);
  log?.redactor.add(secretsFromEnv([...loaded.config.secrets, ...notifySecretNames(loaded.config)]));
  const { name, env } = resolveEnvironment(loaded.config, envName);
  const paths = statePaths(stateDir(loaded.root));
  return { ...loaded, envName: name, env, paths, lockOptions: { path: paths.lock(name), auditPath: paths.audit } };
}
