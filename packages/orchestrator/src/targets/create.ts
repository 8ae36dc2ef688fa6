import { type EnvironmentConfig, type Logger, PilotError, type Release, type TargetDriver } from '@pilot/core';
import { optionalPackage } from '../wiring/optional.ts';
import { createCommandTarget } from './command.ts';

export interface CreateTargetOptions {
  root: string;
  envName: string;
  env: EnvironmentConfig;
  log: Logger;
  stable?: () => Promise<Release | undefined>;
  signal?: AbortSignal;
}

/** The driver for an environment's `target`: the embedded local router, or the user's commands. */
export async function createTarget(o: CreateTargetOptions): Promise<TargetDriver> {
  const target = o.env.target;
  if (target.kind === 'command') return createCommandTarget({ config: target, root: o.root, envName: o.envName, log: o.log, stable: o.stable, signal: o.signal });
  const router = await optionalPackage('@pilot/router');
  const create = router.createLocalTarget as ((options: Record<string, unknown>) => TargetDriver) | undefined;
  if (typeof create !== 'function') throw new PilotError('the local target needs @pilot/router (createLocalTarget), which is not built in this checkout yet — use a `command` target meanwhile');
  return create({ root: o.root, envName: o.envName, env: o.env, log: o.log });
}
