import { attestationState } from '@pilot/attest/state';
import { type EnvContext, type LockStatus, readLock, statePaths } from '@pilot/core';
import { type DeploymentView, listDeployments, readDeployment } from '../state/deployments.ts';
import { currentLive, lastKnownGood, readHistory } from '../state/history.ts';
import { type RouterView, routerView } from './router-view.ts';
import type { ClusterView } from '../targets/kubernetes/cluster-view.ts';

export interface EnvStatus {
  env: string;
  live?: string;
  lastKnownGood?: string;
  /** Where `pnpm rollback` (no --to) would send traffic now: the newest known-good release other than the live one. */
  rollbackTo?: string;
  lock: LockStatus;
  open?: DeploymentView;
  recent: DeploymentView[];
  next?: string;
  /** What the local router really serves, and where that differs from the journal. */
  router?: RouterView;
  /** What the Kubernetes cluster really serves (`kubectl get`), and where that differs from the journal. */
  cluster?: ClusterView;
  /** What the open (else the newest) deployment told its channels. */
  notifications?: { deploymentId: string; sent: number; failed: { channel: string; message: string; error: string }[] };
  /** The attestation of the open deployment's release, else of the live one. */
  attestation?: { version: string; state: string; detail?: string };
}

/** `pilot status`: per environment, what serves, what is locked, the open deployment and what to do about it. */
export async function environmentStatus(ctx: EnvContext): Promise<EnvStatus> {
  const history = await readHistory(ctx.paths.root, ctx.envName);
  const lock = await readLock(ctx.lockOptions);
  const recent = await listDeployments(ctx.paths.root, ctx.envName, 5);
  const open = recent.find(
    (d) => d.status === 'running' || d.status === 'paused' || (lock.held && lock.record?.deploymentId === d.id),
  );
  const live = currentLive(history)?.version;
  const status: EnvStatus = {
    env: ctx.envName,
    live,
    lastKnownGood: lastKnownGood(history)?.version,
    rollbackTo: live ? lastKnownGood(history, live)?.version : undefined,
    lock,
    open,
    recent,
  };
  status.router = await routerView(ctx, status.live);
  // Only where Pilot has deployed (it reads its own objects), and loaded only then: status stays quick elsewhere.
  if (ctx.env.target.kind === 'kubernetes' && (history.length > 0 || recent.length > 0))
    status.cluster = await (await import('../targets/kubernetes/cluster-view.ts')).clusterView(ctx, status.live);
  status.notifications = await notificationsOf(ctx, open ?? recent[0]);
  const attested = (open?.data.release as { version?: string } | undefined)?.version ?? status.live;
  if (attested) status.attestation = { version: attested, ...(await attestationState(ctx.root, attested)) };
  status.next = nextCommand(status, ctx.envName);
  return status;
}

async function notificationsOf(ctx: EnvContext, d: DeploymentView | undefined): Promise<EnvStatus['notifications']> {
  if (!d) return undefined;
  const entries = (await readDeployment(ctx.paths.root, d.id))?.entries ?? [];
  const sent = entries.filter((e) => e.event === 'notify.sent').length;
  const failed = entries
    .filter((e) => e.event === 'notify.failed')
    .map((e) => ({ channel: String(e.channel), message: String(e.message), error: String(e.error ?? '') }));
  return sent + failed.length > 0 ? { deploymentId: d.id, sent, failed } : undefined;
}

/** What to do next, naming only commands that can work in this state (each is what that command accepts). */
function nextCommand(s: EnvStatus, env: string): string | undefined {
  const { open, lock } = s;
  const before = (open?.data.stable as { version?: string } | undefined)?.version;
  // `pnpm rollback` undoes an open deployment only when something served before it; `pilot abort` withdraws a first one.
  const undo = before
    ? `\`pnpm rollback --env ${env}\` undoes it (back to ${before})`
    : `\`pnpm pilot abort --env ${env}\` withdraws it (nothing served before)`;
  if (open?.effective === 'paused') {
    const abort = before
      ? `\`pnpm pilot abort --env ${env}\` rolls back to ${before}`
      : `\`pnpm pilot abort --env ${env}\` withdraws it (nothing served before)`;
    return `\`pnpm pilot promote --env ${env}\` continues, ${abort}${open.data.dueAt ? `; due at ${open.data.dueAt} for \`pilot resume --due\`` : ''}`;
  }
  if (open?.effective === 'interrupted' && open.data.kind === 'rollback')
    return `rollback ${open.id} was interrupted: \`pnpm rollback --env ${env}${open.data.to ? ` --to ${open.data.to}` : ''}\` runs it again`;
  if (open?.effective === 'interrupted') return `\`pnpm pilot resume --env ${env}\` continues it, ${undo}`;
  if (open && open.effective !== 'running')
    return `deployment ${open.id} ended (${open.effective}) but still holds the lock: \`pnpm pilot abort --env ${env}\` releases it`;
  if (!open && lock.held && lock.state === 'interrupted')
    return `deployment ${lock.record?.deploymentId} was killed before it started: \`pnpm pilot abort --env ${env}\` frees the lock`;
  const last = s.recent.find((d) => d.data.kind !== 'rollback');
  const version = (last?.data.release as { version?: string } | undefined)?.version;
  if (
    !open &&
    !lock.held &&
    last &&
    ['aborted', 'rolled_back', 'failed'].includes(last.status) &&
    version &&
    version !== s.live
  )
    return `\`pnpm pilot retry --env ${env}\` deploys ${version} again (deployment ${last.id} ${last.status.replace('_', ' ')})`;
  return undefined;
}

/** The journal of one deployment (default: the newest of the environment). */
export async function deploymentLogs(ctx: EnvContext, id?: string) {
  const chosen = id ?? (await listDeployments(ctx.paths.root, ctx.envName, 1))[0]?.id;
  if (!chosen) return undefined;
  const read = await readDeployment(ctx.paths.root, chosen);
  if (!read) return undefined;
  return { id: chosen, view: read.view, entries: read.entries, path: statePaths(ctx.paths.root).journal(chosen) };
}
