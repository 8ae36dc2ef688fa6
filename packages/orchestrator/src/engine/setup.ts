import { join } from 'node:path';
import {
  type EnvContext,
  type Logger,
  type Release,
  type StrategyConfig,
  type TargetDriver,
  serviceDataDir,
  strategySchema,
} from '@pilot/core';
import type { AnalysisPort } from '../analysis/port.ts';
import { readManifest, releaseOf } from '../release/manifest.ts';
import { createTarget } from '../targets/create.ts';
import { readOnlyTarget } from '../targets/read-only.ts';
import { currentLive, readHistory } from '../state/history.ts';
import { createDefaultAnalysis } from '../wiring/analysis.ts';

/** The strategy for a run: `--strategy` picks a kind (using the configured one of that kind when there is one). */
export function strategyFor(ctx: EnvContext, kind?: StrategyConfig['kind']): StrategyConfig {
  const configured = ctx.env.strategy ?? ctx.config.strategy;
  if (!kind || configured.kind === kind) return configured;
  return strategySchema.parse({ kind });
}

/** A built release by version, from `.pilot/releases/<version>/manifest.json`. */
export async function loadRelease(ctx: EnvContext, version: string): Promise<Release | undefined> {
  const dir = join(ctx.paths.releases, version);
  const manifest = await readManifest(dir);
  return manifest ? releaseOf(dir, manifest) : undefined;
}

/** The release serving the environment before a deployment: the journal's view, else what the target reports. */
export async function currentStable(ctx: EnvContext, target?: TargetDriver): Promise<Release | undefined> {
  const live = currentLive(await readHistory(ctx.paths.root, ctx.envName));
  let version = live?.version;
  if (!version && target)
    version = await target.status().then(
      (s) => s.stable?.version,
      () => undefined,
    );
  if (!version) return undefined;
  return (await loadRelease(ctx, version)) ?? { version, dir: join(ctx.paths.releases, version, 'app') };
}

type AnalysisFactory = (ctx: EnvContext, log: Logger, target: TargetDriver) => Promise<AnalysisPort> | AnalysisPort;
let analysisFactory: AnalysisFactory = createDefaultAnalysis;

/** Replaces how analysis is built for every run in this process (another metrics backend; the tests' stand-in). Returns the previous factory. */
export function useAnalysis(factory: AnalysisFactory): AnalysisFactory {
  const previous = analysisFactory;
  analysisFactory = factory;
  return previous;
}

export interface Collaborators {
  target?: TargetDriver;
  analysis?: AnalysisPort;
  /** The run's strategy (keep-warm on the local target follows it). */
  strategy?: StrategyConfig;
  /** A dry run: the target only plans and reads (no router started to ask it what it serves). */
  dryRun?: boolean;
}

/** The target driver and analysis for an environment, unless injected (tests, the demo). */
export async function collaborators(
  ctx: EnvContext,
  log: Logger,
  signal: AbortSignal,
  given: Collaborators = {},
): Promise<{ target: TargetDriver; analysis: AnalysisPort }> {
  const driver =
    given.target ??
    (await createTarget({
      root: ctx.root,
      envName: ctx.envName,
      env: ctx.env,
      log,
      signal,
      stable: () => currentStable(ctx),
      strategy: given.strategy ?? strategyFor(ctx),
      dataDir: serviceDataDir(ctx.root, ctx.config.service.dataDir, ctx.envName),
    }));
  const target = given.dryRun ? readOnlyTarget(driver, { root: ctx.root, envName: ctx.envName }) : driver;
  const analysis = given.analysis ?? (await analysisFactory(ctx, log, target));
  return { target, analysis };
}
