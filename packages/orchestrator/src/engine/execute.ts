import {
  ExitCode,
  InterruptedError,
  PausedError,
  RefusedError,
  type Release,
  releaseLock,
  setActor,
} from '@pilot/core';
import { GateRefusedError } from '../gate/refused.ts';
import { notifyDeployment } from '../wiring/notify.ts';
import { followForReport } from '../dashboard/follow.ts';
import { recordHistory } from '../state/history.ts';
import { type HookContext, runHooks } from './hooks.ts';
import { clearLeftovers } from './leftovers.ts';
import type { DeployRun } from './run.ts';
import { runStep } from './steps.ts';
import { VerdictRollback } from './state.ts';
import { TEAM_HOOKS, runOutcomeHooks, teamHooks } from './team-hooks.ts';
import { maybeKillAt } from './test-hooks.ts';

export type RunOutcome = 'succeeded' | 'paused' | 'rolled_back' | 'failed' | 'aborted' | 'planned';

export interface ExecuteResult {
  outcome: RunOutcome;
  exitCode: number;
  reason?: string;
  pausedAt?: string;
  dueAt?: string;
  /** What was undone after a failure, and what serves now. */
  undo?: string;
  reasons?: Record<string, unknown>[];
}

const snapshot = (run: DeployRun) => JSON.parse(JSON.stringify(run.state));

function hookContext(run: DeployRun): HookContext {
  const release = run.state.release ?? run.candidate();
  return {
    deploymentId: run.id,
    envName: run.ctx.envName,
    root: run.ctx.root,
    stateDir: run.ctx.paths.root,
    release: { version: release.version, dir: release.dir, commit: release.commit, digest: release.digest },
    dryRun: run.runner.dry,
    journal: (event, fields) => run.runner.journal(event, fields ?? {}),
  };
}

/**
 * Runs the plan from `from` with the team's hooks from the config around its steps and the environment's channels told
 * what happens (from 0: a new deployment, announced as started); their last messages are sent before it returns.
 */
export async function executeSteps(run: DeployRun, from: number): Promise<ExecuteResult> {
  if (!run.hooks.some((hook) => hook.name === TEAM_HOOKS)) run.hooks.push(teamHooks(run));
  const notifications = await notifyDeployment(run, { announce: from === 0 });
  const report = followForReport(run);
  try {
    const result = await runPlan(run, from);
    if (!run.runner.dry) await runOutcomeHooks(run, result.outcome);
    return result;
  } finally {
    await notifications.flush();
    await report.end();
  }
}

/** Each step journalled (started/completed with state), hooks around it, the kill hook at each boundary. */
async function runPlan(run: DeployRun, from: number): Promise<ExecuteResult> {
  const total = run.plan.length;
  try {
    for (let index = from; index < total; index++) {
      const step = run.plan[index];
      if (run.signal.aborted) throw new InterruptedError(`interrupted before ${step.name}`);
      if (!run.runner.dry) maybeKillAt('before', step.name);
      run.runner.currentStep = step.name;
      await run.runner.journal('step.started', { step: step.name, kind: step.kind, index: index + 1, total });
      run.log.info('step.started', `${step.name}`, { index: index + 1, total, deployment: run.id });
      const held = await beforeHooks(run, step);
      if (held) return await pause(run, step.name, held);
      const outcome = await runStep(run, step);
      if (!run.runner.dry) maybeKillAt('during', step.name);
      if (outcome.pause) return await pause(run, step.name, outcome.pause.reason, outcome.pause.dueAt);
      await runHooks('after', step, hookContext(run), run.hooks);
      run.continuePause = false;
      await run.runner.journal('step.completed', { step: step.name, index: index + 1, total, state: snapshot(run) });
      run.log.info('step.completed', `${step.name}`, { index: index + 1, total });
      if (!run.runner.dry) maybeKillAt('after', step.name);
    }
  } catch (error) {
    if (run.runner.dry) throw error;
    return await handleFailure(run, error);
  }
  if (run.runner.dry) return { outcome: 'planned', exitCode: ExitCode.ok };
  await run.runner.journal('deployment.succeeded', {
    release: run.state.release?.version,
    state: snapshot(run),
    waitedMs: run.waitedMs,
    elapsedMs: Date.now() - run.startedMs,
  });
  await releaseLock(run.ctx.lockOptions, run.id);
  return { outcome: 'succeeded', exitCode: ExitCode.ok };
}

// A gate that says "not yet" (PausedError) pauses the deployment at this step; `pilot resume` runs the step's hooks again.
async function beforeHooks(run: DeployRun, step: DeployRun['plan'][number]): Promise<string | undefined> {
  try {
    await runHooks('before', step, hookContext(run), run.hooks);
    return undefined;
  } catch (error) {
    if (error instanceof PausedError) return error.message;
    throw error;
  }
}

async function pause(run: DeployRun, step: string, reason: string, dueAt?: string): Promise<ExecuteResult> {
  await run.runner.journal('deployment.paused', { step, reason, ...(dueAt ? { dueAt } : {}), state: snapshot(run) });
  // The deployment keeps the lock while paused; no process acts for it until promote/resume/abort.
  if (run.lock) run.lock = await setActor(run.ctx.lockOptions, run.lock, null);
  run.log.warn('deployment.paused', `paused at ${step}: ${reason}`, { deployment: run.id });
  return { outcome: 'paused', exitCode: ExitCode.paused, reason, pausedAt: step, dueAt };
}

/**
 * A failed verdict or step rolls back to the release that served before; a signal does the same and exits 130; a refusal
 * (the Go/No-Go gate's NO-GO) is undone the same way and exits 3.
 */
async function handleFailure(run: DeployRun, error: unknown): Promise<ExecuteResult> {
  const interrupted = run.signal.aborted || error instanceof InterruptedError;
  const refused = !interrupted && error instanceof GateRefusedError;
  const message = error instanceof Error ? error.message : String(error);
  const reasons = error instanceof VerdictRollback ? error.reasons : undefined;
  // A refusal's message is printed once, as the command's error.
  if (!refused)
    run.log.error(interrupted ? 'deployment.interrupted' : 'deployment.failing', message, { deployment: run.id });
  const undo = await undoDeployment(run, interrupted ? 'interrupted' : refused ? 'Go/No-Go gate: NO-GO' : message);
  // A first deployment has nothing to roll back to: it failed, whatever was undone.
  const rolledBack = run.state.prepared && Boolean(run.state.stable);
  const event = interrupted ? 'deployment.aborted' : rolledBack ? 'deployment.rolled_back' : 'deployment.failed';
  await run.runner.journal(event, {
    reason: message,
    ...(refused ? { refused: true } : {}),
    ...(reasons ? { reasons } : {}),
    undo,
    state: snapshot(run),
  });
  await releaseLock(run.ctx.lockOptions, run.id);
  if (interrupted)
    throw new InterruptedError(`deployment ${run.id} interrupted: ${undo.summary}; lock released`, { cause: error });
  if (refused) {
    const { version } = run.state.release ?? run.candidate();
    // The built release stays (same commit, same digest): approvals signed for it now count when it is retried.
    throw new RefusedError(
      `${message}\ndeployment ${run.id} refused: ${undo.summary === 'nothing to undo' ? 'nothing was tagged or started' : undo.summary}, lock released; release ${version} stays built — \`pnpm pilot retry --env ${run.ctx.envName}\` once the failing criteria pass`,
      { cause: error },
    );
  }
  return {
    outcome: rolledBack ? 'rolled_back' : 'failed',
    exitCode: ExitCode.failed,
    reason: message,
    reasons,
    undo: undo.summary,
  };
}

export interface UndoResult {
  summary: string;
  trafficTo?: string;
  /** Release processes stopped because nothing routed to them (a candidate never shifted to). */
  stopped?: string[];
  tagDeleted?: string;
  errors: string[];
}

/** Puts traffic back on the release that served before and removes an unvalidated tag; used by failure, signals and `pilot abort`. */
export async function undoDeployment(run: DeployRun, why: string): Promise<UndoResult> {
  const errors: string[] = [];
  const parts: string[] = [];
  const result: UndoResult = { summary: '', errors };
  const { state, ctx } = run;
  if (state.prepared && !state.stable) {
    // A first deployment: there is no release to go back to, so the failed one must not stay live.
    const failed = state.release!;
    try {
      if (run.target.withdraw) {
        await run.target.withdraw(failed);
        if (state.promoted)
          await recordHistory(ctx.paths.root, ctx.envName, 'release.withdrawn', {
            version: failed.version,
            commit: failed.commit,
            deploymentId: run.id,
          });
        result.trafficTo = 'none';
        parts.push(`nothing served before: ${failed.version} stopped, no release is live on ${ctx.envName}`);
      } else {
        result.trafficTo = failed.version;
        parts.push(
          `nothing served before and the ${run.target.kind} target cannot withdraw a release: ${failed.version} is still live on ${ctx.envName} — take it down with your own tooling`,
        );
      }
      state.weight = 0;
    } catch (error) {
      errors.push(`withdrawing ${failed.version} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (state.prepared) {
    const to: Release | undefined = state.stable;
    try {
      await run.target.rollback(to);
      result.trafficTo = to!.version;
      parts.push(`traffic back on ${result.trafficTo}`);
      if (state.promoted) {
        await recordHistory(ctx.paths.root, ctx.envName, 'release.rolled_back', {
          version: state.release!.version,
          commit: state.release!.commit,
          deploymentId: run.id,
          via: 'rollback',
        });
        await recordHistory(ctx.paths.root, ctx.envName, 'release.live', {
          version: to!.version,
          commit: to!.commit,
          deploymentId: run.id,
          via: 'rollback',
        });
      }
      state.weight = 0;
    } catch (error) {
      errors.push(`target rollback failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // The clean-up rule (README): no release runs that is neither stable nor kept warm, and a release tag marks a release
  // that went live — one that never did loses the tag its deployment created.
  const leftovers = await clearLeftovers(ctx, run.target, state, { releases: Boolean(state.prepared) });
  errors.push(...leftovers.errors);
  if (leftovers.stopped.length) {
    result.stopped = leftovers.stopped;
    parts.push(`${leftovers.stopped.join(', ')} stopped (started, never routed)`);
  }
  if (leftovers.tagDeleted) {
    result.tagDeleted = leftovers.tagDeleted;
    parts.push(`tag ${leftovers.tagDeleted} deleted`);
  }
  result.summary = parts.join(', ') || 'nothing to undo';
  if (errors.length) result.summary += ` (${errors.join('; ')})`;
  run.log.warn('deployment.undone', result.summary, { deployment: run.id, why });
  return result;
}
