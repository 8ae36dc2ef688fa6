import { type Release, RefusedError, type StrategyConfig, UsageError } from '@pilot/core';
import { listDeployments } from '../state/deployments.ts';
import { currentLive, readHistory } from '../state/history.ts';
import { type DeployOptions, type DeployResult, deploy } from './deploy.ts';

const ENDED_WITHOUT_GOING_LIVE = new Set(['aborted', 'rolled_back', 'failed']);

/**
 * `pilot retry`: deploys again the release of the environment's last deployment when it was aborted, rolled back or
 * failed — the same version from the same commit (the built release is reused), with the strategy it ran with.
 */
export async function retryDeployment(o: Omit<DeployOptions, 'ref' | 'version' | 'release'>): Promise<DeployResult> {
  const { ctx } = o;
  const last = (await listDeployments(ctx.paths.root, ctx.envName, 50)).find((d) => d.data.kind !== 'rollback');
  const env = ctx.envName;
  if (!last)
    throw new UsageError(`nothing to retry on ${env}: it has no deployments — \`pnpm pilot --env ${env}\` deploys`);
  const release = last.data.release as Partial<Release> | undefined;
  if (last.effective === 'running' || last.effective === 'paused' || last.effective === 'interrupted') {
    throw new RefusedError(
      `deployment ${last.id} of ${release?.version ?? '?'} on ${env} is ${last.effective}, not ended — \`pnpm pilot resume --env ${env}\` continues it, \`pnpm pilot abort --env ${env}\` ends it`,
    );
  }
  if (!ENDED_WITHOUT_GOING_LIVE.has(last.status) || !release?.version || !release.commit) {
    throw new UsageError(
      `nothing to retry on ${env}: its last deployment ${last.id} of ${release?.version ?? '?'} ${last.status} — \`pnpm pilot --env ${env}\` deploys a new release`,
    );
  }
  const live = currentLive(await readHistory(ctx.paths.root, env))?.version;
  if (live === release.version)
    throw new UsageError(`nothing to retry on ${env}: ${release.version} is live — \`pnpm pilot status --env ${env}\``);
  o.log.info(
    'deployment.retry',
    `retrying ${release.version} (${release.commit.slice(0, 12)}) on ${env}: deployment ${last.id} ${last.status}`,
    { retries: last.id },
  );
  const strategy = (o.strategy ?? (typeof last.data.strategy === 'string' ? last.data.strategy : undefined)) as
    | StrategyConfig['kind']
    | undefined;
  return deploy({ ...o, ref: release.commit, version: release.version, strategy });
}
