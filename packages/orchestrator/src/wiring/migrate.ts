import { type EnvContext, FailedError, type Logger, readJournal, statePaths } from '@pilot/core';
import { join, relative } from 'node:path';
import { git } from '../git/git.ts';
import { listDeploymentIds } from '../state/deployments.ts';

// @pilot/migrate (the PostgreSQL parser, pg) loads only when migrations are configured, not on every start-up.
const migrate = () => import('@pilot/migrate');

/** A schema migration a deployment applied, as @pilot/migrate journals it (`migration.applied` with the dump taken before it). */
export interface AppliedMigration {
  name: string;
  dump: string;
  deploymentId: string;
}

/** The migrate step runs when `migrations` is configured and the environment has not turned it off. */
export function migrationsEnabled(ctx: EnvContext): boolean {
  return Boolean(ctx.config.migrations) && ctx.env.migrate.enabled;
}

/** Lints the migrations without a database during the dry-run step: an error-level finding stops the deployment before it is tagged. */
export async function lintBeforeTag(ctx: EnvContext, log: Logger): Promise<void> {
  const { lintMigrations, loggedMigrations } = await migrate();
  // Offline, "pending" means not yet in this environment's migration log.
  const applied = await loggedMigrations(ctx.root, ctx.config, ctx.envName);
  const report = await lintMigrations({ dir: join(ctx.root, ctx.config.migrations!.dir), except: applied });
  const errors = report.findings.filter((f) => f.severity === 'error' && !f.allowed);
  for (const f of report.findings)
    log[f.severity === 'error' && !f.allowed ? 'error' : 'warn'](
      'migration.lint',
      `${f.file}:${f.line} ${f.rule}: ${f.message}`,
      { rule: f.rule },
    );
  if (errors.length)
    throw new FailedError(
      `${errors.length} migration lint error(s) — fix them or mark a reviewed statement with \`-- pilot:allow <rule>\`; details: pnpm migration-dryrun --env ${ctx.envName} --lint-only`,
    );
}

/**
 * Applies pending migrations with safe-migration (dump, lint, dry-run, apply with timeouts and retries, verify) and
 * commits the migration log it appended to, right away: the record of a schema change must not wait for the rollout.
 */
export async function applyMigrations(
  ctx: EnvContext,
  log: Logger,
  journal: (event: string, fields: Record<string, unknown>) => Promise<void>,
  message: string,
  signal?: AbortSignal,
) {
  const { safeMigrate } = await migrate();
  const result = await safeMigrate({
    root: ctx.root,
    config: ctx.config,
    envName: ctx.envName,
    env: ctx.env,
    log,
    journal,
    signal,
  });
  await commitMigrationLog(ctx, log, `${message}: migrations ${result.applied.join(', ') || '(none new)'}`);
  return { applied: result.applied, dump: result.dump };
}

/**
 * Commits the migration log whenever it has changes (also those of a run killed between apply and commit). The
 * schema has already changed, so a failing commit is a warning with the fix, not a failed deployment.
 */
async function commitMigrationLog(ctx: EnvContext, log: Logger, message: string): Promise<void> {
  const { migrationLogPath } = await migrate();
  const file = relative(ctx.root, migrationLogPath(ctx.root, ctx.config));
  if (!(await git(ctx.root, ['status', '--porcelain', '--', file])).trim()) return;
  // A fresh CI runner has no git identity; hooks are the team's business for their own commits, not this record's.
  const identity = (await git(ctx.root, ['config', 'user.email'], { reject: false }))
    ? []
    : ['-c', 'user.name=pilot', '-c', 'user.email=pilot@localhost'];
  try {
    await git(ctx.root, ['add', '--', file]);
    await git(ctx.root, [...identity, 'commit', '-q', '--no-verify', '-m', message, '--', file]);
    log.info('migration.log.committed', `committed ${file}`, { file });
  } catch (error) {
    log.warn(
      'migration.log.uncommitted',
      `could not commit ${file} (${error instanceof Error ? error.message : error}) — commit it by hand before the next deployment`,
      { file },
    );
  }
}

/** Finds the schema migration applied by the deployment that put `version` live, if any. */
export async function schemaMigrationOf(
  ctx: EnvContext,
  version: string | undefined,
): Promise<AppliedMigration | undefined> {
  if (!version) return undefined;
  for (const id of await listDeploymentIds(ctx.paths.root)) {
    const { entries } = await readJournal(statePaths(ctx.paths.root).journal(id));
    const started = entries.find((e) => e.event === 'deployment.started');
    const release = (started?.state as { release?: { version?: string } } | undefined)?.release?.version;
    if (started?.env !== ctx.envName || release !== version) continue;
    const applied = entries.find((e) => e.event === 'migration.applied');
    if (applied) return { name: String(applied.migration), dump: String(applied.dump), deploymentId: id };
  }
  return undefined;
}

/** Restores the verified dump taken before a migration (`pnpm rollback --restore-db`). */
export async function restoreDatabase(
  ctx: EnvContext,
  migration: AppliedMigration,
  log: Logger,
): Promise<Record<string, unknown>> {
  const { restoreDump } = await migrate();
  return restoreDump({
    root: ctx.root,
    envName: ctx.envName,
    env: ctx.env,
    config: ctx.config,
    dump: migration.dump,
    log,
  });
}
