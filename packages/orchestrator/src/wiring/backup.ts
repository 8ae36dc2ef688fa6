import type { EnvContext, Logger } from '@pilot/core';
import { optionalPackage } from './optional.ts';

/**
 * Takes a backup through @pilot/backup (issue: backup-dhash). Resolved at run time so the orchestrator works
 * before that package lands; a missing package is reported, not faked.
 */
export async function runBackup(ctx: EnvContext, log: Logger, reason: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const mod = await optionalPackage('@pilot/backup');
  const create = mod.createBackup as ((o: Record<string, unknown>) => Promise<Record<string, unknown>>) | undefined;
  if (typeof create !== 'function') {
    log.warn('backup.unavailable', '@pilot/backup is not available in this checkout — no backup taken', { env: ctx.envName });
    return { skipped: true, why: '@pilot/backup not available' };
  }
  const result = await create({ root: ctx.root, envName: ctx.envName, env: ctx.env, config: ctx.config, paths: ctx.env.backup.paths, reason, log, signal });
  return { id: result.id, path: result.path, digest: result.digest ?? result.dhash };
}
