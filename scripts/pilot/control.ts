import { ExitCode, defineCommand, openEnv, openEnvs } from '@pilot/core';
import { abortDeployment, formatDeployResult, resumeDeployment, resumeDue, retryDeployment } from '@pilot/orchestrator';

const envFlag = { env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' } } as const;

export const promoteCommand = defineCommand({
  name: 'pilot promote',
  summary: 'continue a paused deployment now (past a manual pause, a delay or an inconclusive analysis)',
  usage: ['pilot promote [--env E] [--full] [--json]'],
  flags: {
    ...envFlag,
    full: { type: 'boolean', description: 'skip the remaining analysis steps and go straight to 100%' },
  },
  async run({ flags, cwd, log, signal, result }) {
    const ctx = await openEnv(cwd, flags.env, log);
    const outcome = await resumeDeployment({ ctx, log, signal, promote: true, full: flags.full });
    result(outcome, formatDeployResult(outcome));
    return outcome.exitCode;
  },
});

export const resumeCommand = defineCommand({
  name: 'pilot resume',
  summary:
    'continue a paused or interrupted deployment; --due continues every deployment whose delay has passed (for cron)',
  usage: ['pilot resume [--env E] [--json]', 'pilot resume --due [--env E] [--json]'],
  flags: {
    ...envFlag,
    due: { type: 'boolean', description: 'only deployments whose next step is due, in every environment (or --env)' },
  },
  async run({ flags, cwd, log, signal, result }) {
    if (flags.due) {
      const contexts = await openEnvs(cwd, flags.env, log);
      const outcomes = await resumeDue({ contexts, log, signal });
      result(outcomes, outcomes.length ? outcomes.map(formatDeployResult).join('\n\n') : 'nothing is due');
      return Math.max(ExitCode.ok, ...outcomes.map((o) => (o.exitCode === ExitCode.paused ? 0 : o.exitCode)));
    }
    const ctx = await openEnv(cwd, flags.env, log);
    const outcome = await resumeDeployment({ ctx, log, signal });
    result(outcome, formatDeployResult(outcome));
    return outcome.exitCode;
  },
});

export const abortCommand = defineCommand({
  name: 'pilot abort',
  summary: 'roll back the open deployment (paused, interrupted or running) and free the environment',
  usage: ['pilot abort [--env E] [--json]'],
  flags: envFlag,
  async run({ flags, cwd, log, signal, result }) {
    const ctx = await openEnv(cwd, flags.env, log);
    const outcome = await abortDeployment({ ctx, log, signal });
    result(outcome, `aborted deployment ${outcome.deploymentId} on ${outcome.env}: ${outcome.summary}`);
  },
});

export const retryCommand = defineCommand({
  name: 'pilot retry',
  summary:
    'deploy again the release of the last deployment that was aborted, rolled back or failed (same version, same commit)',
  usage: ['pilot retry [--env E] [--strategy canary|blue-green|batch] [--force] [--json]'],
  flags: {
    ...envFlag,
    strategy: {
      type: 'string',
      placeholder: 'S',
      description: 'override the strategy (default: the one the retried deployment ran with)',
      choices: ['canary', 'blue-green', 'batch'],
    },
    force: { type: 'boolean', description: 'deploy outside the deploy window (recorded in the journal)' },
  },
  examples: ['pnpm pilot retry --env staging'],
  async run({ flags, cwd, log, signal, result }) {
    const ctx = await openEnv(cwd, flags.env, log);
    const outcome = await retryDeployment({
      ctx,
      log,
      signal,
      strategy: flags.strategy as 'canary' | 'blue-green' | 'batch' | undefined,
      force: flags.force,
    });
    result(outcome, formatDeployResult(outcome));
    return outcome.exitCode;
  },
});
