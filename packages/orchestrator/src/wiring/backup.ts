import { createBackup } from '@pilot/backup';
import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { type EnvContext, type Logger, serviceDataDir } from '@pilot/core';

/**
 * The configured sources plus the service's data folder when it holds anything. Backups hold paths inside the
 * repository: a data folder elsewhere (PILOT_STATE_DIR outside it) is left to the configured sources.
 */
export function backupSources(ctx: EnvContext): string[] {
  const data = relative(ctx.root, serviceDataDir(ctx.root, ctx.config.service.dataDir, ctx.envName));
  const inside = !data.startsWith('..') && !isAbsolute(data) && !ctx.env.backup.paths.includes(data);
  return [...ctx.env.backup.paths, ...(inside && readdirSafe(join(ctx.root, data)).length > 0 ? [data] : [])];
}

/** Whether a deployment or rollback of this environment takes a backup first: enabled, and something to back up. */
export function backupPlanned(ctx: EnvContext): boolean {
  return ctx.env.backup.enabled && backupSources(ctx).length > 0;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Backs up the environment's configured sources into `.pilot/backups/<env>/`; with no sources configured there is nothing to take. */
export async function runBackup(
  ctx: EnvContext,
  log: Logger,
  reason: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const paths = backupSources(ctx);
  const data = serviceDataDir(ctx.root, ctx.config.service.dataDir, ctx.envName);
  if (relative(ctx.root, data).startsWith('..'))
    log.warn(
      'backup.data-outside',
      `the data folder ${data} is outside the repository: it is not in this backup — back it up with your own tooling`,
      { dataDir: data },
    );
  if (paths.length === 0) {
    log.info('backup.skipped', `no backup sources for ${ctx.envName} (environments.${ctx.envName}.backup.paths)`, {
      env: ctx.envName,
    });
    return { skipped: true, why: `environments.${ctx.envName}.backup.paths is empty` };
  }
  const result = await createBackup({
    root: ctx.root,
    paths,
    out: ctx.paths.backups(ctx.envName),
    envName: ctx.envName,
    reason,
    log,
    signal,
  });
  return { id: result.id, path: result.path, digest: result.digest };
}
