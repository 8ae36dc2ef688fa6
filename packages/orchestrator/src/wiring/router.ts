import type { EnvContext, Logger, TargetDriver } from '@pilot/core';
import { optionalPackage } from './optional.ts';

/** Stops the local router and its release processes for an environment (the demo cleans up after itself). */
export async function stopLocalEnvironment(ctx: EnvContext, target: TargetDriver, log: Logger): Promise<void> {
  const stoppable = target as TargetDriver & { stop?: () => Promise<void>; shutdown?: () => Promise<void> };
  if (typeof stoppable.stop === 'function') return stoppable.stop();
  if (typeof stoppable.shutdown === 'function') return stoppable.shutdown();
  const router = await optionalPackage('@pilot/router');
  if (typeof router.stopRouter === 'function') return router.stopRouter({ root: ctx.root, envName: ctx.envName, env: ctx.env, log });
  log.warn('router.stop', 'the router package offers no stop function; nothing stopped');
}
