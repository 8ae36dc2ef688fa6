import type { EnvironmentConfig, Logger, Release, TargetDriver } from '@pilot/core';
import { createLocalTarget } from '@pilot/router';
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
  return createLocalTarget({ root: o.root, envName: o.envName, env: o.env, log: o.log });
}
