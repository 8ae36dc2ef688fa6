import { readdir } from 'node:fs/promises';
import {
  type DeploymentState,
  type JournalEntry,
  type LockStatus,
  foldDeployment,
  readJournal,
  readLock,
  statePaths,
} from '@pilot/core';
import { idMayBeOf } from './ids.ts';

/** A deployment as the status command shows it: the folded journal plus what the lock says about its process. */
export interface DeploymentView extends DeploymentState {
  /** `interrupted` when the journal says running but no process acts for it any more. */
  effective: DeploymentState['status'] | 'interrupted';
  lock?: LockStatus;
  /** Steps planned at start, from `deployment.started`. */
  plan: { name: string; kind: string }[];
}

export async function readDeployment(
  state: string,
  id: string,
): Promise<{ view: DeploymentView; entries: JournalEntry[] } | undefined> {
  const paths = statePaths(state);
  const { entries } = await readJournal(paths.journal(id));
  if (entries.length === 0) return undefined;
  const folded = foldDeployment(id, entries);
  const lock = folded.env ? await readLock({ path: paths.lock(folded.env), auditPath: paths.audit }) : undefined;
  const holds = lock?.held && lock.record?.deploymentId === id;
  let effective: DeploymentView['effective'] = folded.status;
  if (folded.status === 'running' && (!holds || lock?.state === 'interrupted')) effective = 'interrupted';
  if (folded.status === 'paused' && holds && lock?.state === 'interrupted') effective = 'paused';
  const plan = Array.isArray(folded.data.plan) ? (folded.data.plan as { name: string; kind: string }[]) : [];
  return { view: { ...folded, effective, lock: holds ? lock : undefined, plan }, entries };
}

/**
 * Every deployment id in the state dir (of `env`, by the ids' shape, when given), newest first. Another environment's
 * journals are not read: its history (or a damaged file of it) is not this one's business.
 */
export async function listDeploymentIds(state: string, env?: string): Promise<string[]> {
  const files = await readdir(statePaths(state).deployments).catch(() => [] as string[]);
  const ids = files
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => f.slice(0, -'.jsonl'.length))
    .filter((id) => !env || idMayBeOf(id, env));
  // An id holds the second it started; deployments started within one second are ordered by their first entry (ms).
  const perStamp = new Map<string, number>();
  for (const id of ids) perStamp.set(stampOf(id), (perStamp.get(stampOf(id)) ?? 0) + 1);
  const tied = ids.filter((id) => (perStamp.get(stampOf(id)) ?? 0) > 1);
  const startedAt = new Map(
    await Promise.all(
      tied.map(async (id) => [id, (await readJournal(statePaths(state).journal(id))).entries[0]?.ts ?? ''] as const),
    ),
  );
  return ids.sort(
    (a, b) => stampOf(b).localeCompare(stampOf(a)) || (startedAt.get(b) ?? '').localeCompare(startedAt.get(a) ?? ''),
  );
}

function stampOf(id: string): string {
  return /(\d{8}-\d{6})/.exec(id)?.[1] ?? id;
}

/** Deployments of an environment (all when env is undefined), newest first. */
export async function listDeployments(state: string, env?: string, limit = 50): Promise<DeploymentView[]> {
  const views: DeploymentView[] = [];
  for (const id of await listDeploymentIds(state, env)) {
    const read = await readDeployment(state, id);
    if (!read || (env && read.view.env !== env)) continue;
    views.push(read.view);
    if (views.length >= limit) break;
  }
  return views;
}

/** The unfinished deployment that holds (or last held) the environment: paused, running or interrupted. */
export async function findOpenDeployment(state: string, env: string): Promise<DeploymentView | undefined> {
  const paths = statePaths(state);
  const lock = await readLock({ path: paths.lock(env), auditPath: paths.audit });
  if (lock.held && lock.record) {
    const read = await readDeployment(state, lock.record.deploymentId);
    if (read) return read.view;
  }
  const open = (await listDeployments(state, env, 20)).find((d) => d.status === 'running' || d.status === 'paused');
  return open;
}
