import type { EnvContext, TargetDriver } from '@pilot/core';
import { stopRouter } from '@pilot/router';

/** Stops the local router and its release processes for an environment (the demo cleans up after itself). */
export async function stopLocalEnvironment(ctx: EnvContext, target: TargetDriver): Promise<void> {
  const stoppable = target as TargetDriver & { stop?: () => Promise<void> };
  if (typeof stoppable.stop === 'function') return stoppable.stop();
  await stopRouter({ root: ctx.root, envName: ctx.envName });
}
