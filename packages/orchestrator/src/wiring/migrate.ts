import { type EnvContext, type Logger, PilotError, readJournal, statePaths } from '@pilot/core';
import { optionalPackage } from './optional.ts';
import { listDeploymentIds } from '../state/deployments.ts';

/** A schema migration a deployment applied, as @pilot/migrate journals it (`migration.applied` with the dump taken before it). */
export interface AppliedMigration {
  name: string;
  dump: string;
  deploymentId: string;
}

/** Finds the schema migration applied by the deployment that put `version` live, if any. */
export async function schemaMigrationOf(ctx: EnvContext, version: string | undefined): Promise<AppliedMigration | undefined> {
  if (!version) return undefined;
  for (const id of await listDeploymentIds(ctx.paths.root)) {
    const { entries } = await readJournal(statePaths(ctx.paths.root).journal(id));
    const started = entries.find((e) => e.event === 'deployment.started');
    const release = (started?.state as { release?: { version?: string } } | undefined)?.release?.version;
    if (started?.env !== ctx.envName || release !== version) continue;
    const applied = entries.find((e) => e.event === 'migration.applied');
    if (applied) return { name: String(applied.migration ?? applied.name ?? 'migration'), dump: String(applied.dump ?? applied.backup ?? ''), deploymentId: id };
  }
  return undefined;
}

/** Restores the verified dump taken before a migration, through @pilot/migrate (resolved at run time). */
export async function restoreDatabase(ctx: EnvContext, migration: AppliedMigration, log: Logger): Promise<Record<string, unknown>> {
  const mod = await optionalPackage('@pilot/migrate');
  const restore = mod.restoreDump as ((o: Record<string, unknown>) => Promise<Record<string, unknown>>) | undefined;
  if (typeof restore !== 'function') throw new PilotError(`--restore-db needs @pilot/migrate (restoreDump), which is not available in this checkout — restore ${migration.dump} by hand with pg_restore`);
  return restore({ root: ctx.root, envName: ctx.envName, env: ctx.env, dump: migration.dump, log });
}
