import {
  type EnvironmentConfig,
  type Logger,
  type Release,
  type StrategyConfig,
  type TargetDriver,
  parseDuration,
} from '@pilot/core';
import { createLocalTarget } from '@pilot/router';
import { createCommandTarget } from './command.ts';

export interface CreateTargetOptions {
  root: string;
  envName: string;
  env: EnvironmentConfig;
  log: Logger;
  stable?: () => Promise<Release | undefined>;
  signal?: AbortSignal;
  /** The environment's data folder (serviceDataDir). */
  dataDir?: string;
  /** The run's strategy, whatever set it (`--strategy`, the environment, the top level): blue-green keeps the old release warm. */
  strategy?: StrategyConfig;
}

/** The driver for an environment's `target`: the embedded local router, the user's commands, or a Kubernetes cluster. */
export async function createTarget(o: CreateTargetOptions): Promise<TargetDriver> {
  const target = o.env.target;
  if (target.kind === 'command')
    return createCommandTarget({
      config: target,
      root: o.root,
      envName: o.envName,
      log: o.log,
      stable: o.stable,
      signal: o.signal,
      dataDir: o.dataDir,
    });
  // Loaded on demand: the Kubernetes schemas are only read by environments that deploy to a cluster.
  if (target.kind === 'kubernetes')
    return (await import('./kubernetes/driver.ts')).createKubernetesTarget({
      config: target,
      root: o.root,
      envName: o.envName,
      log: o.log,
      stable: o.stable,
      signal: o.signal,
      strategy: o.strategy,
    });
  const keepWarmMs = o.strategy
    ? o.strategy.kind === 'blue-green'
      ? parseDuration(o.strategy.keepWarm, 'strategy.keepWarm')
      : 0
    : undefined;
  return createLocalTarget({ root: o.root, envName: o.envName, env: o.env, log: o.log, keepWarmMs });
}
