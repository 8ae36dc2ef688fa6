import {
  type EnvContext,
  ExitCode,
  JournalWriter,
  type LockRecord,
  type Logger,
  RefusedError,
  type Release,
  type TargetDriver,
  UsageError,
  acquireLock,
  describeHolder,
  readLock,
  releaseLock,
  statePaths,
  takeOverLock,
} from '@pilot/core';
import type { AnalysisPort } from '../analysis/port.ts';
import { clearLeftovers } from '../engine/leftovers.ts';
import { collaborators, loadRelease } from '../engine/setup.ts';
import type { RunState } from '../engine/state.ts';
import { runHookCommands } from '../engine/team-hooks.ts';
import { baseUrlOf } from '../engine/urls.ts';
import { resolveReleaseRef } from '../release/rebuild.ts';
import { findOpenDeployment } from '../state/deployments.ts';
import { currentLive, lastKnownGood, readHistory, recordHistory } from '../state/history.ts';
import { newDeploymentId } from '../state/ids.ts';
import { backupPlanned, runBackup } from '../wiring/backup.ts';
import { restoreDatabase, schemaMigrationOf } from '../wiring/migrate.ts';
import { notifyOnce } from '../wiring/notify.ts';

export interface RollbackOptions {
  ctx: EnvContext;
  log: Logger;
  signal: AbortSignal;
  /** A release version or a git tag; default: the last-known-good release (or, with an open deployment, what served before it). */
  to?: string;
  restoreDb?: boolean;
  /** Roll back, verify, roll forward again, and record the drill. */
  drill?: boolean;
  reason?: string;
  /** Tell the environment's channels (default); `pnpm monitor` sends its own message instead. */
  notify?: boolean;
  target?: TargetDriver;
  analysis?: AnalysisPort;
}

export interface RollbackResult {
  id: string;
  env: string;
  from?: string;
  to: string;
  /** The deployment that was open (paused or interrupted) and is now rolled back. */
  undid?: string;
  /** Release processes stopped because nothing routed to them (the undone deployment's candidate). */
  stopped?: string[];
  /** The undone deployment's tag, deleted: its release never went live. */
  tagDeleted?: string;
  switchMs: number;
  elapsedMs: number;
  smoke: { passed: boolean; results: Record<string, unknown>[] } | { skipped: string };
  backup?: Record<string, unknown>;
  migration?: string;
  drill?: { forwardTo: string; smokePassed: boolean; switchMs: number };
  /** `--to` named the release already live: nothing was done. */
  alreadyLive?: boolean;
  exitCode: number;
}

/** Sends all traffic back to a known-good release: lock, journal, emergency backup, switch, smoke tests, timing. The monitor calls this too. */
export async function rollback(o: RollbackOptions): Promise<RollbackResult> {
  const { ctx, log } = o;
  const started = Date.now();
  const id = newDeploymentId(ctx.envName, 'rollback');
  const { target, analysis } = await collaborators(ctx, log, o.signal, o);
  const history = await readHistory(ctx.paths.root, ctx.envName);
  const open = await findOpenDeployment(ctx.paths.root, ctx.envName);
  const openRunning = open && (open.status === 'running' || open.status === 'paused') ? open : undefined;
  const live =
    currentLive(history)?.version ??
    (await target.status().then(
      (s) => s.stable?.version,
      () => undefined,
    ));
  const toVersion = o.to
    ? await resolveReleaseRef(ctx, o.to, log, o.signal)
    : openRunning
      ? ((openRunning.data.stable as Release | undefined)?.version ?? live)
      : lastKnownGood(history, live)?.version;
  if (!toVersion && !openRunning && !live)
    throw new RefusedError(
      `nothing is live on ${ctx.envName}, so there is nothing to roll back — \`pnpm pilot status --env ${ctx.envName}\` shows its deployments`,
    );
  if (!toVersion && !openRunning)
    throw new RefusedError(
      `no last-known-good release on ${ctx.envName} other than ${live} (live) — pass --to VERSION (see \`pnpm pilot status --env ${ctx.envName}\`)`,
    );
  // A first deployment has nothing to go back to: withdrawing it is `pilot abort`, not a rollback.
  if (!toVersion && openRunning)
    throw new RefusedError(
      `nothing served ${ctx.envName} before deployment ${openRunning.id}, so there is no release to roll back to — \`pnpm pilot abort --env ${ctx.envName}\` withdraws it`,
    );
  if (toVersion && toVersion === live && !openRunning) {
    log.info('rollback.already-live', `${toVersion} is already live on ${ctx.envName}: nothing to do`);
    return {
      id,
      env: ctx.envName,
      from: live,
      to: toVersion,
      switchMs: 0,
      elapsedMs: Date.now() - started,
      smoke: { skipped: 'already live' },
      alreadyLive: true,
      exitCode: ExitCode.ok,
    };
  }
  const to = toVersion ? await loadRelease(ctx, toVersion) : undefined;
  if (toVersion && !to)
    throw new UsageError(
      `--to ${toVersion}: no built release ${toVersion} in ${ctx.paths.releases} — pick one of the releases listed there`,
    );

  const lock = await readLock(ctx.lockOptions);
  let lockRecord: LockRecord;
  if (lock.held && lock.record?.deploymentId !== id) {
    if (lock.state === 'active')
      throw new RefusedError(
        `${describeHolder(lock)} — a running deployment rolls itself back on failure; \`pnpm pilot abort --env ${ctx.envName}\` stops it`,
      );
    lockRecord = await takeOverLock(ctx.lockOptions, id, `pnpm rollback (${o.reason ?? 'operator'})`);
  } else {
    // A freeze keeps deployments out, not the way back: rolling back is what a freeze is for.
    lockRecord = await acquireLock(ctx.lockOptions, ctx.envName, id, undefined, { whileFrozen: true });
  }
  const journal = await JournalWriter.open(statePaths(ctx.paths.root).journal(id), log.redactor);
  await journal.append('deployment.started', {
    env: ctx.envName,
    kind: 'rollback',
    from: live,
    to: toVersion,
    undoing: openRunning?.id,
    reason: o.reason ?? 'operator',
    drill: Boolean(o.drill),
    state: { release: to, stable: live ? { version: live } : undefined },
  });
  log.info(
    'rollback.started',
    `rolling ${ctx.envName} back from ${live ?? '?'} to ${toVersion ?? 'the stable release'}`,
    { rollback: id },
  );
  try {
    let backup: Record<string, unknown> | undefined;
    if (backupPlanned(ctx)) {
      backup = await runBackup(ctx, log, 'emergency backup before rollback', o.signal);
      await journal.append('backup.taken', { backup });
    }
    const migration = await schemaMigrationOf(ctx, live);
    if (migration && o.restoreDb) await journal.append('database.restored', await restoreDatabase(ctx, migration, log));
    const switchStart = performance.now();
    await target.rollback(to);
    const switchMs = performance.now() - switchStart;
    await journal.append('traffic.switched', { to: toVersion, switchMs: Math.round(switchMs * 10) / 10 });
    // The release traffic left is no longer known good, so the next `pnpm rollback` goes further back, never to it (a drill comes back to it).
    if (live && live !== toVersion && !o.drill)
      await recordHistory(ctx.paths.root, ctx.envName, 'release.rolled_back', {
        version: live,
        deploymentId: id,
        via: 'rollback',
      });
    if (toVersion)
      await recordHistory(ctx.paths.root, ctx.envName, 'release.live', {
        version: toVersion,
        commit: to?.commit,
        deploymentId: id,
        via: 'rollback',
      });
    // The same clean-up as Ctrl-C and `pilot abort`: the undone deployment's candidate (and any other release nothing
    // routes to) stops, and its tag goes if its release never went live.
    const leftovers = await clearLeftovers(ctx, target, (openRunning?.data ?? {}) as RunState);
    for (const problem of leftovers.errors) log.warn('rollback.clean-up-failed', problem);
    if (leftovers.stopped.length)
      log.info('releases.stopped', `stopped ${leftovers.stopped.join(', ')}: started, never routed`, {
        stopped: leftovers.stopped,
      });
    await journal.append('leftovers.cleared', {
      stopped: leftovers.stopped,
      ...(leftovers.tagDeleted ? { tagDeleted: leftovers.tagDeleted } : {}),
    });
    if (openRunning) {
      const theirs = await JournalWriter.open(statePaths(ctx.paths.root).journal(openRunning.id));
      const undo = {
        ...(leftovers.tagDeleted ? { tagDeleted: leftovers.tagDeleted } : {}),
        ...(leftovers.stopped.length ? { stopped: leftovers.stopped } : {}),
      };
      await theirs.append('deployment.rolled_back', {
        reason: `pnpm rollback (${id})`,
        by: id,
        ...(Object.keys(undo).length ? { undo } : {}),
      });
    }
    const smoke = await analysis.smoke(baseUrlOf(ctx.env.port), o.signal);
    await journal.append('smoke.completed', { smoke });
    let drill: RollbackResult['drill'];
    if (o.drill && live && live !== toVersion) {
      const forward = await loadRelease(ctx, live);
      const t0 = performance.now();
      await target.rollback(forward);
      const forwardMs = performance.now() - t0;
      await recordHistory(ctx.paths.root, ctx.envName, 'release.live', {
        version: live,
        deploymentId: id,
        via: 'rollback',
      });
      const again = await analysis.smoke(baseUrlOf(ctx.env.port), o.signal);
      drill = { forwardTo: live, smokePassed: again.passed, switchMs: Math.round(forwardMs * 10) / 10 };
      await recordHistory(ctx.paths.root, ctx.envName, 'rollback.drill', { version: live, deploymentId: id });
      await journal.append('drill.completed', { drill });
    }
    const passed = 'passed' in smoke ? smoke.passed && (drill?.smokePassed ?? true) : true;
    const result: RollbackResult = {
      id,
      env: ctx.envName,
      from: live,
      to: toVersion ?? 'stable',
      undid: openRunning?.id,
      ...(leftovers.stopped.length ? { stopped: leftovers.stopped } : {}),
      ...(leftovers.tagDeleted ? { tagDeleted: leftovers.tagDeleted } : {}),
      switchMs: Math.round(switchMs * 10) / 10,
      elapsedMs: Date.now() - started,
      smoke,
      backup,
      migration: migration
        ? o.restoreDb
          ? `database restored from ${migration.dump}`
          : `release ${live} applied schema migration ${migration.name}; pass --restore-db to restore the dump taken before it (${migration.dump})`
        : undefined,
      drill,
      exitCode: passed ? ExitCode.ok : ExitCode.failed,
    };
    await journal.append(passed ? 'deployment.succeeded' : 'deployment.failed', {
      kind: 'rollback',
      elapsedMs: result.elapsedMs,
      switchMs: result.switchMs,
    });
    const why = `${o.drill ? 'drill' : (o.reason ?? 'operator')}${passed ? '' : ' — smoke tests FAILED after the switch'}`;
    // The team's postRollback hook runs after every way back, not only a deployment's own (a drill says so).
    await runHookCommands(
      {
        cwd: ctx.root,
        env: {
          ...process.env,
          PILOT_ENV: ctx.envName,
          PILOT_VERSION: live ?? '',
          PILOT_PREVIOUS: toVersion ?? '',
          PILOT_DEPLOYMENT_ID: id,
          PILOT_CANDIDATE_URL: '',
          PILOT_ROLLBACK_REASON: why,
        },
        log,
        journal: (event, fields) => journal.append(event, fields),
      },
      'postRollback',
      ctx.env.hooks.postRollback,
      'warn',
    );
    if (o.notify !== false)
      await notifyOnce(
        ctx,
        log,
        {
          event: 'rollback.manual',
          version: toVersion,
          previous: live,
          deploymentId: id,
          actor: 'pnpm rollback',
          reason: why,
          durationMs: result.elapsedMs,
        },
        (e, f) => journal.append(e, f).then(() => {}),
      );
    return result;
  } catch (error) {
    await journal.append('deployment.failed', {
      kind: 'rollback',
      reason: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    await releaseLock(ctx.lockOptions, lockRecord.deploymentId);
  }
}
