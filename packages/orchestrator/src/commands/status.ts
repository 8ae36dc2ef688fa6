import { type EnvContext, type LockStatus, readLock, statePaths } from '@pilot/core';
import { type DeploymentView, listDeployments, readDeployment } from '../state/deployments.ts';
import { currentLive, lastKnownGood, readHistory } from '../state/history.ts';
import { type RouterView, routerView } from './router-view.ts';

export interface EnvStatus {
  env: string;
  live?: string;
  lastKnownGood?: string;
  lock: LockStatus;
  open?: DeploymentView;
  recent: DeploymentView[];
  next?: string;
  /** What the local router really serves, and where that differs from the journal. */
  router?: RouterView;
  /** The attestation of the open deployment's release, else of the live one. */
  attestation?: { version: string; state: string; detail?: string };
}

/** `pilot status`: per environment, what serves, what is locked, the open deployment and what to do about it. */
export async function environmentStatus(ctx: EnvContext): Promise<EnvStatus> {
  const history = await readHistory(ctx.paths.root, ctx.envName);
  const lock = await readLock(ctx.lockOptions);
  const recent = await listDeployments(ctx.paths.root, ctx.envName, 5);
  const open = recent.find((d) => d.status === 'running' || d.status === 'paused' || (lock.held && lock.record?.deploymentId === d.id));
  const status: EnvStatus = { env: ctx.envName, live: currentLive(history)?.version, lastKnownGood: lastKnownGood(history)?.version, lock, open, recent };
  status.router = await routerView(ctx, status.live);
  const attested = (open?.data.release as { version?: string } | undefined)?.version ?? status.live;
  // Loaded here, not at start-up: status is the only command that reads it.
  if (attested) status.attestation = { version: attested, ...(await (await import('@pilot/attest')).attestationState(ctx.root, attested)) };
  if (open?.effective === 'paused') status.next = `\`pnpm pilot promote --env ${ctx.envName}\` continues, \`pnpm pilot abort --env ${ctx.envName}\` rolls back${open.data.dueAt ? `; due at ${open.data.dueAt} for \`pilot resume --due\`` : ''}`;
  if (open?.effective === 'interrupted') status.next = `\`pnpm pilot resume --env ${ctx.envName}\` continues it, \`pnpm rollback --env ${ctx.envName}\` undoes it`;
  return status;
}

/** The journal of one deployment (default: the newest of the environment). */
export async function deploymentLogs(ctx: EnvContext, id?: string) {
  const chosen = id ?? (await listDeployments(ctx.paths.root, ctx.envName, 1))[0]?.id;
  if (!chosen) return undefined;
  const read = await readDeployment(ctx.paths.root, chosen);
  if (!read) return undefined;
  return { id: chosen, view: read.view, entries: read.entries, path: statePaths(ctx.paths.root).journal(chosen) };
}

