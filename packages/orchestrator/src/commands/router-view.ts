import type { EnvContext } from '@pilot/core';
import type { AdminStatus } from '@pilot/router';
import { routerDirOf, routerRunning } from '@pilot/router/control';

/** What the local router of an environment really does now (read from its admin API; it is never started for this). */
export interface RouterView {
  running: boolean;
  stable?: { version: string; healthy: boolean };
  candidate?: { version: string; weight: number; healthy: boolean };
  maintenance?: boolean;
  /** Where the router disagrees with the journal, or serves nothing healthy: one sentence each. */
  problems: string[];
}

/** The router's view for `pilot status` (local target only; undefined for other targets). */
export async function routerView(ctx: EnvContext, live: string | undefined): Promise<RouterView | undefined> {
  if (ctx.env.target.kind !== 'local') return undefined;
  const running = await routerRunning(routerDirOf(ctx.root, ctx.envName));
  if (!running) {
    return {
      running: false,
      problems: live
        ? [
            `the router is not running: nothing serves ${live} — \`pnpm pilot router start --env ${ctx.envName}\` starts it with the releases it had`,
          ]
        : [],
    };
  }
  let s: AdminStatus;
  try {
    s = await running.client.get<AdminStatus>('/admin/status');
  } catch (error) {
    return {
      running: true,
      problems: [`the router (pid ${running.pid}) did not answer its status: ${(error as Error).message}`],
    };
  }
  const problems: string[] = [];
  if (live && s.stable?.version !== live)
    problems.push(`the journal says ${live} is live, the router serves ${s.stable?.version ?? 'nothing'}`);
  if (!live && s.stable)
    problems.push(
      `the journal says nothing is live, but the router serves ${s.stable.version} — \`pnpm pilot router stop --env ${ctx.envName}\` if it should not`,
    );
  if (s.stable && !s.stable.healthy)
    problems.push(`${s.stable.version} is not passing its readiness probes: the router answers 503 for its share`);
  if (s.maintenance) problems.push(`maintenance mode is on: every request gets 503 ("${s.maintenance.message}")`);
  return {
    running: true,
    stable: s.stable ? { version: s.stable.version, healthy: s.stable.healthy } : undefined,
    candidate: s.candidate ?? undefined,
    maintenance: Boolean(s.maintenance),
    problems,
  };
}
