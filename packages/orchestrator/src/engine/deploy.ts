import { join } from 'node:path';
import {
  type EnvContext,
  type Logger,
  type Release,
  type StrategyConfig,
  type TargetDriver,
  UsageError,
  acquireLock,
  statePaths,
} from '@pilot/core';
import type { AnalysisPort } from '../analysis/port.ts';
import { resolveCommit } from '../git/git.ts';
import { type PreflightCheck, assertPreflight, runPreflight } from '../preflight/preflight.ts';
import { assertVersion, assertVersionFree, versionFor } from '../release/version.ts';
import { newDeploymentId } from '../state/ids.ts';
import { type ExecuteResult, executeSteps } from './execute.ts';
import type { StepHook } from './hooks.ts';
import { type StepSpec, planSteps } from './plan.ts';
import type { DeployRun } from './run.ts';
import { type PlannedAction, Runner } from './runner.ts';
import { collaborators, currentStable, strategyFor } from './setup.ts';
import { backupPlanned } from '../wiring/backup.ts';
import { migrationsEnabled } from '../wiring/migrate.ts';
import { notifyOnce } from '../wiring/notify.ts';
import { monitoringUrlOf } from './urls.ts';

export interface DeployOptions {
  ctx: EnvContext;
  log: Logger;
  signal: AbortSignal;
  ref?: string;
  version?: string;
  strategy?: StrategyConfig['kind'];
  dryRun?: boolean;
  force?: boolean;
  /** A release already built (the demo); skips the build. */
  release?: Release;
  /** Extra per-release environment for the manifest. */
  buildEnv?: Record<string, string>;
  target?: TargetDriver;
  analysis?: AnalysisPort;
  hooks?: StepHook[];
  processEnv?: NodeJS.ProcessEnv;
  /** Preflight checks that do not apply (the demo deploys from any work tree). */
  skipChecks?: string[];
  /** Step kinds left out of the plan (the demo creates no git tag in your repository). */
  skipSteps?: StepSpec['kind'][];
}

/** What `pnpm pilot` prints: the outcome, the plan and what to do next. */
export interface DeployResult extends ExecuteResult {
  deploymentId?: string;
  env: string;
  release: { version: string; commit?: string; digest?: string };
  stable?: string;
  strategy: StrategyConfig['kind'];
  dryRun: boolean;
  preflight: PreflightCheck[];
  plan: StepSpec[];
  actions?: PlannedAction[];
  monitoringUrl: string;
  /** The exact way back; undefined after a first release that went live (nothing served before it). */
  rollbackCommand?: string;
  elapsedMs: number;
  /** Time spent in configured waits (analysis windows, watch); elapsed minus this is Pilot's own overhead. */
  waitedMs: number;
  /** Each message to each channel, delivered or not. */
  notifications?: { channel: string; kind: string; event: string; ok: boolean; error?: string }[];
}

/** `pnpm pilot`: preflight → lock → journal → build → dry-run → [Go/No-Go gate] → tag → backup → canary/blue-green/batch → promote → watch → last-known-good. */
export async function deploy(o: DeployOptions): Promise<DeployResult> {
  const { ctx, log } = o;
  const startedMs = Date.now();
  const ref = o.ref ?? 'HEAD';
  const commit = o.release?.commit ?? (await resolveCommit(ctx.root, ref));
  if (!commit)
    throw new UsageError(
      `--ref ${JSON.stringify(ref)} is not a commit in ${ctx.root} — pass a branch, tag or sha that \`git rev-parse\` knows`,
    );
  const version = o.release?.version ?? (o.version ? assertVersion(o.version) : await versionFor(ctx.root, commit));
  if (!o.release) await assertVersionFree(ctx.paths.releases, version, commit);
  const strategy = strategyFor(ctx, o.strategy);
  const { target, analysis } = await collaborators(ctx, log, o.signal, { ...o, strategy });
  // A target that checks its own input offline (the Kubernetes manifests) refuses a bad one here: exit 2, nothing built or locked.
  await (target as { validate?: (candidate: Release) => Promise<void> }).validate?.(
    o.release ?? { version, commit, dir: join(ctx.paths.releases, version, 'app') },
  );
  const preflight = await runPreflight({
    ctx,
    commit,
    version,
    force: o.force,
    dryRun: o.dryRun,
    env: o.processEnv,
  });
  if (o.skipChecks) preflight.splice(0, preflight.length, ...preflight.filter((c) => !o.skipChecks!.includes(c.name)));
  // A failed check is printed once, in the refusal that lists them all; a forced one is a warning here.
  for (const check of preflight)
    log[check.forced ? 'warn' : 'debug']('preflight.check', `${check.name}: ${check.detail}`, { ok: check.ok });
  const approvals = preflight.find((c) => c.name === 'approvals' && !c.ok);
  if (approvals && !o.dryRun) {
    await notifyOnce(ctx, log, {
      event: 'approval.needed',
      version,
      previous: undefined,
      reason: approvals.detail,
      nextCommand: `pnpm pilot approve --env ${ctx.envName} --release ${version}`,
    });
  }
  assertPreflight(preflight);
  const stable = await currentStable(ctx, target);
  // The local router gives each release its own port: the candidate is smoke-tested there before any user reaches it.
  const smokeFirst = target.kind === 'local';
  const plan = planSteps({
    strategy,
    env: ctx.env,
    backup: backupPlanned(ctx),
    migrate: migrationsEnabled(ctx),
    gate: ctx.env.gate,
    firstDeploy: !stable,
    smokeFirst,
  }).filter((s) => !o.skipSteps?.includes(s.kind));
  const id = newDeploymentId(ctx.envName);
  const dry = Boolean(o.dryRun);
  const runner = await Runner.create({
    dry,
    log,
    journalPath: statePaths(ctx.paths.root).journal(id),
    redactor: log.redactor,
  });
  const prospective: Release = o.release ?? { version, commit, dir: join(ctx.paths.releases, version, 'app') };
  const run: DeployRun = {
    id,
    ctx,
    log,
    signal: o.signal,
    runner,
    target,
    analysis,
    plan,
    state: { release: prospective, stable, forced: preflight.filter((c) => c.forced).map((c) => c.name) },
    hooks: o.hooks ?? [],
    candidate: () => run.state.release ?? prospective,
    buildEnv: o.buildEnv,
    startedMs,
    waitedMs: 0,
  };
  if (!dry) {
    run.lock = await acquireLock(ctx.lockOptions, ctx.envName, id);
    await runner.journal('deployment.started', {
      env: ctx.envName,
      service: ctx.config.service.name,
      strategy: strategy.kind,
      target: target.kind,
      plan,
      command: process.argv.slice(1).join(' '),
      preflight: preflight.map(({ name, ok, forced }) => ({ name, ok, ...(forced ? { forced } : {}) })),
      state: run.state,
    });
    log.info(
      'deployment.started',
      `deploying ${ctx.config.service.name} ${version} to ${ctx.envName} (${strategy.kind}, deployment ${id})`,
      { deployment: id },
    );
  }
  // PILOT_ON_HANGUP=detach: the run outlives its terminal, and its journal says so.
  const offDetached = log.events.on((event) => {
    if (event.event === 'process.detached' && !dry)
      void runner.journal('deployment.detached', { signal: 'SIGHUP', pid: process.pid });
  });
  try {
    const outcome = await executeSteps(run, 0);
    return resultOf(run, outcome, preflight, strategy.kind);
  } finally {
    offDetached();
  }
}

export function resultOf(
  run: DeployRun,
  outcome: ExecuteResult,
  preflight: PreflightCheck[],
  strategy: StrategyConfig['kind'],
): DeployResult {
  const { ctx } = run;
  const release = run.state.release ?? run.candidate();
  const elapsedMs = Date.now() - run.startedMs;
  return {
    ...outcome,
    deploymentId: run.runner.dry ? undefined : run.id,
    env: ctx.envName,
    release: { version: release.version, commit: release.commit, digest: release.digest },
    stable: run.state.stable?.version,
    strategy,
    dryRun: run.runner.dry,
    preflight,
    plan: run.plan,
    actions: run.runner.dry ? run.runner.actions : undefined,
    monitoringUrl: monitoringUrlOf(ctx.env, ctx.envName),
    // Only a command that works: a first deployment has no release to roll back to; while open, `pilot abort` withdraws it.
    rollbackCommand: run.state.stable
      ? `pnpm rollback --env ${ctx.envName} --to ${run.state.stable.version}`
      : outcome.outcome === 'paused'
        ? `pnpm pilot abort --env ${ctx.envName}`
        : undefined,
    elapsedMs,
    waitedMs: run.waitedMs,
    ...(run.notifications?.length
      ? {
          notifications: run.notifications.map(({ channel, kind, event, ok, error }) => ({
            channel,
            kind,
            event,
            ok,
            ...(error ? { error } : {}),
          })),
        }
      : {}),
  };
}
