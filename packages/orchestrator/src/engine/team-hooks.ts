import { type HooksConfig, type Logger, PausedError, parseDuration, shell } from '@pilot/core';
import type { StepHook } from './hooks.ts';
import type { DeployRun } from './run.ts';
import { VerdictRollback } from './state.ts';
import { candidateUrlOf } from './urls.ts';

type CommandPhase = 'preDeploy' | 'postPrepare' | 'prePromote' | 'postDeploy' | 'postRollback';
type GateName = 'confirmRollout' | 'confirmPromotion';
export const TEAM_HOOKS = 'team hooks';
const OUTPUT_KEPT = 4000; // the tail of a hook's output in the journal

/**
 * The team's own steps from `hooks` in pilot.config.ts: preDeploy before anything happens, confirmRollout before the
 * first traffic, postPrepare once the candidate runs, prePromote and confirmPromotion before the final promotion.
 * A failing pre-hook stops the deployment (before traffic) or rolls it back (after); a gate that does not answer
 * 2xx pauses it (exit 4) until `pilot resume` asks again.
 */
export function teamHooks(run: DeployRun): StepHook {
  const hooks = run.ctx.env.hooks;
  const noTrafficYet = () => (run.state.weight ?? 0) === 0;
  return {
    name: TEAM_HOOKS,
    before: {
      '*': async (step) => {
        if (step === run.plan[0] && !run.state.prepared) await runCommands(run, 'preDeploy', hooks.preDeploy, 'stop');
      },
      shift: async () => {
        if (noTrafficYet()) await askGate(run, 'confirmRollout', hooks.confirmRollout);
      },
      promote: async () => {
        if (noTrafficYet()) await askGate(run, 'confirmRollout', hooks.confirmRollout);
        await runCommands(run, 'prePromote', hooks.prePromote, 'roll back');
        await askGate(run, 'confirmPromotion', hooks.confirmPromotion);
      },
    },
    after: {
      prepare: async () => runCommands(run, 'postPrepare', hooks.postPrepare, 'warn'),
    },
  };
}

/** postDeploy after a success, postRollback after a rollback: a failure is a warning, the outcome stands. */
export async function runOutcomeHooks(run: DeployRun, outcome: string): Promise<void> {
  const hooks = run.ctx.env.hooks;
  if (outcome === 'succeeded') await runCommands(run, 'postDeploy', hooks.postDeploy, 'warn');
  if (outcome === 'rolled_back') await runCommands(run, 'postRollback', hooks.postRollback, 'warn');
}

async function runCommands(
  run: DeployRun,
  phase: CommandPhase,
  commands: HooksConfig[CommandPhase],
  onFailure: 'stop' | 'roll back' | 'warn',
): Promise<void> {
  if (commands.length === 0) return;
  await runHookCommands(
    {
      cwd: run.ctx.root,
      env: await hookEnv(run),
      log: run.log,
      journal: (event, fields) => run.runner.journal(event, fields),
      ifNotDry: (what, fn, argv) => run.runner.ifNotDry(what, fn, argv),
    },
    phase,
    commands,
    onFailure,
  );
}

/** Where a phase's commands run and what they report to: a deployment, or `pnpm rollback`. */
export interface HookSite {
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  journal(event: string, fields: Record<string, unknown>): Promise<unknown>;
  /** Runs `fn` unless this is a dry run (which prints the command instead). */
  ifNotDry?<T>(what: string, fn: () => Promise<T>, argv: string[]): Promise<T | undefined>;
}

/** Runs a phase's commands in order, each journalled with the tail of its output; a failure warns, stops or rolls back. */
export async function runHookCommands(
  site: HookSite,
  phase: CommandPhase,
  commands: HooksConfig[CommandPhase],
  onFailure: 'stop' | 'roll back' | 'warn',
): Promise<void> {
  for (const { run: argv, timeout } of commands) {
    const limitMs = parseDuration(timeout);
    const execute = () =>
      shell({
        cwd: site.cwd,
        env: site.env,
        timeout: limitMs,
        nothrow: true,
        log: site.log,
        stdio: ['ignore', 'pipe', 'pipe'],
      })`${argv}`;
    const done = site.ifNotDry ? await site.ifNotDry(`run the ${phase} hook`, execute, argv) : await execute();
    if (!done) continue;
    // Only the time limit ends a hook with SIGTERM here (no signal is passed).
    const timedOut = done.signal === 'SIGTERM' && done.duration >= limitMs;
    const ok = done.exitCode === 0 && !timedOut;
    const output = done.stdall.slice(-OUTPUT_KEPT);
    await site.journal(ok ? 'hook.completed' : 'hook.failed', {
      phase,
      command: argv,
      exitCode: done.exitCode ?? undefined,
      ...(timedOut ? { timedOut: timeout } : {}),
      output,
    });
    if (ok) {
      site.log.info('hook.completed', `${phase} hook ${argv.join(' ')} passed`);
      continue;
    }
    const why = `${phase} hook \`${argv.join(' ')}\` ${timedOut ? `did not finish within ${timeout}` : `exited ${done.exitCode}`}${output ? `: ${output.trim().split('\n').slice(-3).join(' / ')}` : ''}`;
    if (onFailure === 'warn') site.log.warn('hook.failed', `${why} — the outcome stands`);
    else if (onFailure === 'stop') throw new Error(`${why} — stopped before any traffic`);
    else throw new VerdictRollback(why, [{ rule: `hook ${phase}`, observed: `exit ${done.exitCode}` }]);
  }
}

async function askGate(run: DeployRun, name: GateName, gate: HooksConfig[GateName]): Promise<void> {
  if (!gate) return;
  const url = gate.url ?? process.env[gate.urlEnv!];
  if (!url)
    throw new PausedError(
      `${name}: ${gate.urlEnv} is not set (the gate's URL) — set it, then \`pnpm pilot resume --env ${run.ctx.envName}\``,
    );
  const { webhookRequest } = await import('@pilot/notify');
  const release = run.state.release ?? run.candidate();
  const message = {
    event: 'approval.needed' as const,
    env: run.ctx.envName,
    service: run.ctx.config.service.name,
    version: release.version,
    previous: run.state.stable?.version,
    deploymentId: run.id,
    step: run.runner.currentStep,
    reason: name,
    at: new Date().toISOString(),
  };
  const request = webhookRequest(
    message,
    `${name}: ${release.version} → ${run.ctx.envName}`,
    `Pilot asks whether ${release.version} may go on (${name}).`,
    gate.secretEnv ? process.env[gate.secretEnv] : undefined,
  );
  const answered = await run.runner.ifNotDry(`ask the ${name} gate`, async () => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: request.body,
        headers: { 'content-type': 'application/json', ...request.headers },
        signal: AbortSignal.timeout(parseDuration(gate.timeout)),
      });
      return { status: res.status, body: (await res.text()).slice(0, 300) };
    } catch (error) {
      return {
        status: 0,
        body:
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${gate.timeout}`
            : String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message),
      };
    }
  });
  if (!answered) return;
  await run.runner.journal('gate.answered', { gate: name, status: answered.status, body: answered.body });
  if (answered.status >= 200 && answered.status < 300) return;
  const said = answered.status
    ? `answered HTTP ${answered.status}${answered.body ? `: ${answered.body}` : ''}`
    : `could not be asked (${answered.body})`;
  throw new PausedError(
    `${name} gate ${said} — the deployment waits; \`pnpm pilot resume --env ${run.ctx.envName}\` asks again`,
  );
}

// The deployment's facts for the team's commands, on top of the operator's environment (hooks are the team's own steps).
async function hookEnv(run: DeployRun): Promise<NodeJS.ProcessEnv> {
  const release = run.state.release ?? run.candidate();
  const candidateUrl = run.state.prepared ? await candidateUrlOf(run.target, release, run.ctx.env.port) : '';
  return {
    ...process.env,
    PILOT_ENV: run.ctx.envName,
    PILOT_VERSION: release.version,
    PILOT_PREVIOUS: run.state.stable?.version ?? '',
    PILOT_DEPLOYMENT_ID: run.id,
    PILOT_CANDIDATE_URL: candidateUrl,
  };
}
