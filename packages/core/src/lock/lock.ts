import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RefusedError } from '../errors.ts';
import { createExclusive, fsyncDir, writeFileAtomic } from '../fs/atomic-write.ts';
import { JournalWriter } from '../journal/journal.ts';
import { assertNotFrozen, readFreeze } from './freeze.ts';
import { type Actor, actorLiveness, currentActor } from './process-info.ts';

/** The lock of one environment: held by a deployment, with the process currently acting for it (none while paused). */
export interface LockRecord {
  env: string;
  deploymentId: string;
  acquiredAt: string;
  actor: Actor | null;
}

export type LockHolderState = 'active' | 'detached' | 'interrupted' | 'unknown';

export interface LockStatus {
  held: boolean;
  record?: LockRecord;
  /** active: its process runs; detached: paused with no process; interrupted: its process died; unknown: another host. */
  state?: LockHolderState;
}

export interface LockOptions {
  /** The lock file, e.g. statePaths(state).lock(env). */
  path: string;
  /** Audit log that records takeovers and forced releases. */
  auditPath: string;
}

/** Reads the lock and says whether its holder is still acting. */
export async function readLock(options: LockOptions): Promise<LockStatus> {
  let record: LockRecord;
  try {
    record = JSON.parse(await readFile(options.path, 'utf8')) as LockRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { held: false };
    throw error;
  }
  if (!record.actor) return { held: true, record, state: 'detached' };
  const liveness = actorLiveness(record.actor);
  return {
    held: true,
    record,
    state: liveness === 'alive' ? 'active' : liveness === 'dead' ? 'interrupted' : 'unknown',
  };
}

/** Describes the holder for a refusal message, with what to do next. */
export function describeHolder(status: LockStatus): string {
  const record = status.record!;
  const who = record.actor
    ? `pid ${record.actor.pid} on ${record.actor.host}, ${record.actor.user}: ${record.actor.command}`
    : 'no process';
  switch (status.state) {
    case 'active':
      return `environment ${record.env} is locked by deployment ${record.deploymentId} (${who}, since ${record.acquiredAt}) — wait for it, or \`pnpm pilot abort --env ${record.env}\``;
    case 'detached':
      return `deployment ${record.deploymentId} holds environment ${record.env} and is paused — promote, resume or abort it (\`pnpm pilot status --env ${record.env}\`)`;
    case 'interrupted':
      return `deployment ${record.deploymentId} on environment ${record.env} was interrupted (${who} is gone) — \`pnpm pilot resume --env ${record.env}\` continues it, \`pnpm rollback --env ${record.env}\` undoes it, \`pnpm pilot lock release --env ${record.env} --force\` drops the lock`;
    default:
      return `environment ${record.env} is locked by deployment ${record.deploymentId} from another host (${who}) — release it there, or \`pnpm pilot lock release --env ${record.env} --force\``;
  }
}

/**
 * Takes the environment's lock for a deployment; refuses (exit 3) when another deployment holds it, or when the
 * environment is frozen (`pilot lock hold`) — unless `whileFrozen` (a rollback is how a freeze is used). Re-entrant
 * for the same deployment, which continues through a freeze: it started before it.
 */
export async function acquireLock(
  options: LockOptions,
  env: string,
  deploymentId: string,
  actor: Actor = currentActor(),
  o: { whileFrozen?: boolean } = {},
): Promise<LockRecord> {
  const record: LockRecord = { env, deploymentId, acquiredAt: new Date().toISOString(), actor };
  if (!o.whileFrozen) {
    const held = await readLock(options);
    if (!held.held || held.record?.deploymentId !== deploymentId) await assertNotFrozen(options);
  }
  if (await createExclusive(options.path, JSON.stringify(record, null, 2))) {
    // A freeze placed between the check and taking the lock still wins.
    if (!o.whileFrozen && (await readFreeze(options))) {
      await rm(options.path, { force: true });
      await assertNotFrozen(options);
    }
    return record;
  }
  const status = await readLock(options);
  if (status.record?.deploymentId === deploymentId && status.state !== 'active') {
    return setActor(options, status.record, actor);
  }
  if (status.record?.deploymentId === deploymentId && status.record.actor?.pid === actor.pid) return status.record;
  if (!status.held) return acquireLock(options, env, deploymentId, actor, o);
  throw new RefusedError(describeHolder(status));
}

/** Records the process now acting for the deployment that holds the lock (null while paused). */
export async function setActor(options: LockOptions, record: LockRecord, actor: Actor | null): Promise<LockRecord> {
  const next = { ...record, actor };
  await writeFileAtomic(options.path, JSON.stringify(next, null, 2));
  return next;
}

/** Releases the lock held by `deploymentId`; a lock held by another deployment is left alone. */
export async function releaseLock(options: LockOptions, deploymentId: string): Promise<boolean> {
  const status = await readLock(options);
  if (!status.held || status.record?.deploymentId !== deploymentId) return false;
  await rm(options.path, { force: true });
  await fsyncDir(dirname(options.path));
  return true;
}

/** Drops a lock whatever holds it (operator's explicit `--force`), with an audit event. Refuses while its process is alive. */
export async function forceReleaseLock(
  options: LockOptions,
  reason: string,
  actor: Actor = currentActor(),
): Promise<LockRecord | undefined> {
  const status = await readLock(options);
  if (!status.held) return undefined;
  if (status.state === 'active')
    throw new RefusedError(`${describeHolder(status)}; its process is alive, so the lock is not released`);
  const audit = await JournalWriter.open(options.auditPath);
  await audit.append('lock.force_released', { env: status.record!.env, previous: status.record, by: actor, reason });
  await rm(options.path, { force: true });
  await fsyncDir(dirname(options.path));
  return status.record;
}

/** Takes over the lock of an interrupted deployment for a new process acting for the same or a new deployment, with an audit event. */
export async function takeOverLock(
  options: LockOptions,
  deploymentId: string,
  reason: string,
  actor: Actor = currentActor(),
): Promise<LockRecord> {
  const status = await readLock(options);
  if (!status.held) throw new RefusedError(`no lock to take over at ${options.path}`);
  if (status.state === 'active') throw new RefusedError(describeHolder(status));
  const audit = await JournalWriter.open(options.auditPath);
  await audit.append('lock.taken_over', {
    env: status.record!.env,
    previous: status.record,
    deploymentId,
    by: actor,
    reason,
  });
  return setActor(options, { ...status.record!, deploymentId }, actor);
}
