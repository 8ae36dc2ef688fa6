import { createBackup } from '@pilot/backup';
import type { EnvContext, Logger } from '@pilot/core';

/** Backs up the environment's configured sources into `.pilot/backups/<env>/`; with no sources configured there is nothing to take. */
export async function runBackup(ctx: EnvContext, log: Logger, reason: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const paths = ctx.env.backup.paths;
  if (paths.length === 0) {
    log.info('backup.skipped', `no backup sources for ${ctx.envName} (environments.${ctx.envName}.backup.paths)`, { env: ctx.envName });
    return { skipped: true, why: `environments.${ctx.envName}.backup.paths is empty` };
  }
  const result = await createBackup({ root: ctx.root, paths, out: ctx.paths.backups(ctx.envName), envName: ctx.envName, reason, log, signal });
  return { id: result.id, path: result.path, digest: result.digest };
}
