import {
  type EnvContext,
  ExitCode,
  type Logger,
  RefusedError,
  type StrategyConfig,
  type TargetDriver,
  UsageError,
  acquireLock,
  readLock,
  releaseLock,
  statePaths,
} from '@pilot/core';
import type { AnalysisPort } from '../analysis/port.ts';
import { type DeploymentView, findOpenDeployment } from '../state/deployments.ts';
import { type DeployResult, resultOf } from './deploy.ts';
import { notifyOnce } from '../wiring/notify.ts';
import { executeSteps, undoDeployment } from './execute.ts';
import type { StepSpec } from './plan.ts';
import type { DeployRun } from './run.ts';
import { Runner } from './runner.ts';
import { collaborators, strategyFor } from './setup.ts';
import type { RunState } from './state.ts';
import { sleep } from './sleep.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);

export interface ControlOptions {
  ctx: EnvContext;
  log: Logger;
  signal: AbortSignal;
  target?: TargetDriver;
  analysis?: AnalysisPort;
}

/** The open deployment of an environment, or a clear refusal when there is none. */
async function openDeployment(ctx: EnvContext, verb: string): Promise<DeploymentView> {
  const open = await findOpenDeployment(ctx.paths.root, ctx.envName);
  if (!open) {
    const lock = await readLock(ctx.lockOptions);
    if (lock.held && lock.record) {
      throw new RefusedError(
        `environment ${ctx.envName} is locked by deployment ${lock.record.deploymentId}, which has no journal (it was killed before it started) — nothing to ${verb}; \`pnpm pilot abort --env ${ctx.envName}\` frees the lock`,
      );
    }
    throw new UsageError(
      `no paused or interrupted deployment on ${ctx.envName} to ${verb} — \`pnpm pilot status --env ${ctx.envName}\` lists deployments`,
    );
  }
  return open;
}

/** Rebuilds a run from the journal: its plan, its state, the lock taken again for this process. */
async function reopen(o: ControlOptions, view: DeploymentView): Promise<DeployRun> {
  const { ctx, log } = o;
  // The strategy the deployment started with (journalled as its kind), so keep-warm follows it on resume too.
  const strategy =
    typeof view.data.strategy === 'string' ? strategyFor(ctx, view.data.strategy as StrategyConfig['kind']) : undefined;
  const { target, analysis } = await collaborators(ctx, log, o.signal, { ...o, strategy });
  const runner = await Runner.create({
    dry: false,
    log,
    journalPath: statePaths(ctx.paths.root).journal(view.id),
    redactor: log.redactor,
  });
  const data = view.data as unknown as RunState & { plan: StepSpec[] };
  const state: RunState = { ...data };
  for (const key of [
    'plan',
    'env',
    'service',
    'strategy',
    'target',
    'command',
    'preflight',
    'state',
    'reason',
    'step',
    'undo',
    'reasons',
    'by',
  ] as const)
    delete (state as Record<string, unknown>)[key];
  const run: DeployRun = {
    id: view.id,
    ctx,
    log,
    signal: o.signal,
    runner,
    target,
    analysis,
    plan: data.plan,
    state,
    hooks: [],
    candidate: () => run.state.release!,
    startedMs: Date.now(),
    waitedMs: 0,
  };
  return run;
}

function assertNotActive(view: DeploymentView, verb: string): void {
  if (view.effective === 'running' && view.lock?.state === 'active') {
    throw new RefusedError(
      `deployment ${view.id} is running (pid ${view.lock.record?.actor?.pid}) — wait for it, or \`pnpm pilot abort --env ${view.env}\` to stop it; nothing to ${verb}`,
    );
  }
}

export interface ResumeOptions extends ControlOptions {
  /** `promote`: continue past a pause or an inconclusive analysis now. */
  promote?: boolean;
  /** `promote --full`: skip the remaining steps' analysis and go to 100%. */
  full?: boolean;
  /** `resume --due`: only continue when the pending delay has passed. */
  due?: boolean;
}

/** `pilot resume` / `pilot promote`: continues a paused or interrupted deployment from its journal. */
export async function resumeDeployment(o: ResumeOptions): Promise<DeployResult> {
  const verb = o.promote ? 'promote' : 'resume';
  const view = await openDeployment(o.ctx, verb);
  assertNotActive(view, verb);
  const run = await reopen(o, view);
  if (TERMINAL.has(view.status)) {
    // Killed after its last journal line but before the lock was freed: finish that.
    await releaseLock(o.ctx.lockOptions, view.id);
    return resultOf(
      run,
      {
        outcome: view.status === 'succeeded' ? 'succeeded' : 'rolled_back',
        exitCode: view.status === 'succeeded' ? ExitCode.ok : ExitCode.failed,
        reason: `deployment had already ended (${view.status}); lock released`,
      },
      [],
      String(view.data.strategy) as StrategyConfig['kind'],
    );
  }
  const index = run.plan.findIndex((s) => s.name === view.step?.name);
  const step = run.plan[index];
  let from = view.step ? (view.step.completed ? index + 1 : index) : 0;
  const strategy = String(view.data.strategy) as StrategyConfig['kind'];
  if (view.status === 'paused' && step) {
    if (step.kind === 'wait') {
      const due = Date.parse(String(run.state.dueAt ?? 0)) <= Date.now();
      if (!due && !o.promote) {
        return resultOf(
          run,
          {
            outcome: 'paused',
            exitCode: ExitCode.paused,
            pausedAt: step.name,
            dueAt: run.state.dueAt,
            reason: `not due yet (due at ${run.state.dueAt}) — \`pnpm pilot promote --env ${o.ctx.envName}\` continues now`,
          },
          [],
          strategy,
        );
      }
      run.continuePause = true;
    } else if (step.kind === 'pause') {
      if (o.due)
        return resultOf(
          run,
          {
            outcome: 'paused',
            exitCode: ExitCode.paused,
            pausedAt: step.name,
            reason: 'waiting for a manual promote (not a timed step)',
          },
          [],
          strategy,
        );
      run.continuePause = true;
    } else if (step.kind === 'analyse' && o.promote) {
      // An inconclusive analysis the operator accepts: go on to the next step.
      from = index + 1;
    }
  }
  run.full = o.full;
  run.lock = await acquireLock(o.ctx.lockOptions, o.ctx.envName, view.id);
  await run.runner.journal('deployment.resumed', {
    by: verb,
    ...(o.full ? { full: true } : {}),
    ...(o.due ? { due: true } : {}),
    from: run.plan[from]?.name ?? 'end',
    wasInterrupted: view.effective === 'interrupted',
  });
  o.log.info('deployment.resumed', `${verb} ${view.id} from ${run.plan[from]?.name ?? 'the end'}`, {
    deployment: view.id,
  });
  const outcome = await executeSteps(run, from);
  return resultOf(run, outcome, [], strategy);
}

/** `pilot resume --due` (from cron): continues every paused deployment, in every environment, whose delay has passed. */
export async function resumeDue(o: Omit<ControlOptions, 'ctx'> & { contexts: EnvContext[] }): Promise<DeployResult[]> {
  const results: DeployResult[] = [];
  for (const ctx of o.contexts) {
    const open = await findOpenDeployment(ctx.paths.root, ctx.envName);
    if (open?.status !== 'paused') continue;
    const dueAt = Date.parse(String(open.data.dueAt ?? ''));
    if (!(dueAt <= Date.now())) continue;
    results.push(await resumeDeployment({ ...o, ctx, due: true }));
  }
  return results;
}

export interface AbortResult {
  deploymentId: string;
  env: string;
  summary: string;
  signalled?: number;
}

/** `pilot abort`: rolls back a paused or interrupted deployment; a running one is sent SIGTERM and cleans up itself. */
export async function abortDeployment(o: ControlOptions): Promise<AbortResult> {
  const { ctx } = o;
  const lock = await readLock(ctx.lockOptions);
  const view = await findOpenDeployment(ctx.paths.root, ctx.envName);
  if (!view && lock.held && lock.record) {
    // Killed between taking the lock and writing its journal: nothing changed, so freeing the lock is all there is.
    if (lock.state === 'active')
      throw new RefusedError(
        `deployment ${lock.record.deploymentId} is starting (pid ${lock.record.actor?.pid}); try again in a moment`,
      );
    await releaseLock(ctx.lockOptions, lock.record.deploymentId);
    return { deploymentId: lock.record.deploymentId, env: ctx.envName, summary: 'it had not started; lock released' };
  }
  if (!view) throw new UsageError(`no deployment to abort on ${ctx.envName}`);
  if (TERMINAL.has(view.status)) {
    await releaseLock(ctx.lockOptions, view.id);
    return { deploymentId: view.id, env: ctx.envName, summary: `it had already ended (${view.status}); lock released` };
  }
  if (view.effective === 'running' && view.lock?.state === 'active' && view.lock.record?.actor) {
    const pid = view.lock.record.actor.pid;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 600; i++) {
      const now = await readLock(ctx.lockOptions);
      if (!now.held || now.record?.deploymentId !== view.id) break;
      await sleep(100, o.signal);
    }
    return {
      deploymentId: view.id,
      env: ctx.envName,
      summary: `sent SIGTERM to pid ${pid}; it rolled back and released the lock`,
      signalled: pid,
    };
  }
  const run = await reopen(o, view);
  // Aborting rolls back: a freeze (`pilot lock hold`) does not keep it out.
  run.lock = await acquireLock(ctx.lockOptions, ctx.envName, view.id, undefined, { whileFrozen: true });
  await run.runner.journal('abort.requested', { by: 'pilot abort' });
  const undo = await undoDeployment(run, 'aborted');
  await run.runner.journal('deployment.aborted', { reason: 'pilot abort', undo, state: run.state });
  await releaseLock(ctx.lockOptions, view.id);
  const release = run.state.release ?? run.candidate();
  await notifyOnce(
    ctx,
    o.log,
    {
      event: 'deployment.interrupted',
      version: release.version,
      previous: run.state.stable?.version,
      deploymentId: view.id,
      actor: 'pilot abort',
      reason: `aborted by \`pilot abort\`: ${undo.summary}`,
    },
    (e, f) => run.runner.journal(e, f),
  );
  return { deploymentId: view.id, env: ctx.envName, summary: `${undo.summary}; lock released` };
}
