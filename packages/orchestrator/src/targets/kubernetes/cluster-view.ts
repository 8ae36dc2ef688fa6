import { type EnvContext, Logger } from '@pilot/core';
import { createKubernetesTarget } from './driver.ts';

/** What the cluster really serves (read with `kubectl get -o json`), and where that differs from the journal. */
export interface ClusterView {
  context?: string;
  namespace: string;
  traffic?: string;
  stable?: { version: string; healthy: boolean };
  candidate?: { version: string; weight: number; healthy: boolean };
  problems: string[];
}

/** The cluster's view for `pilot status` (kubernetes target only; undefined for other targets). */
export async function clusterView(ctx: EnvContext, live: string | undefined): Promise<ClusterView | undefined> {
  const config = ctx.env.target;
  if (config.kind !== 'kubernetes') return undefined;
  const view: ClusterView = { context: config.context, namespace: config.namespace, problems: [] };
  try {
    // Quiet: status prints the view, not each kubectl call.
    const log = new Logger({ minLevel: 'error', stream: { write: () => true } as unknown as NodeJS.WritableStream });
    const s = await createKubernetesTarget({
      config,
      root: ctx.root,
      envName: ctx.envName,
      log,
      forwardPreview: false,
    }).status();
    Object.assign(view, { traffic: s.details?.traffic, stable: s.stable, candidate: s.candidate });
  } catch (error) {
    view.problems.push(`could not read the cluster: ${(error as Error).message.split('\n')[0]}`);
    return view;
  }
  if (live && view.stable?.version !== live)
    view.problems.push(
      `the journal says ${live} is live, the cluster's Service selects ${view.stable?.version ?? 'no release'}`,
    );
  if (view.stable && !view.stable.healthy)
    view.problems.push(`${view.stable.version} has fewer ready pods than replicas`);
  return view;
}
