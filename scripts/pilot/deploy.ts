import { createInterface } from 'node:readline/promises';
import { ExitCode, RefusedError, defineCommand } from '@pilot/core';

export const deployFlags = {
  env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
  ref: { type: 'string', placeholder: 'REF', description: 'git ref to release (default: HEAD)' },
  version: { type: 'string', placeholder: 'V', description: 'release version (default: v<commit count>-<short sha>)' },
  strategy: {
    type: 'string',
    placeholder: 'S',
    description: 'override the configured strategy',
    choices: ['canary', 'blue-green', 'batch'],
  },
  'dry-run': {
    type: 'boolean',
    description: 'print the plan with every exact command; take no lock, write no journal, create no tag',
  },
  yes: {
    type: 'boolean',
    short: 'y',
    description: 'do not ask for confirmation (asked on a terminal for environments with an upstream, e.g. production)',
  },
  force: { type: 'boolean', description: 'deploy outside the deploy window (recorded in the journal)' },
} as const;

/** `pnpm pilot [deploy]`: the default command. */
export function deployCommand(options: { dryRunOnly?: boolean; name?: string } = {}) {
  return defineCommand({
    name: options.name ?? 'pilot',
    summary: options.dryRunOnly
      ? 'print the deployment plan with every exact command; changes nothing'
      : 'deploy a release: build, tag, canary/blue-green/batch with analysis, promote, watch',
    usage: [
      `${options.name ?? 'pilot'} [--env E] [--ref REF] [--strategy canary|blue-green|batch] [--dry-run] [--yes] [--force] [--json]`,
    ],
    flags: deployFlags,
    examples: [
      'pnpm pilot --env staging',
      'pnpm pilot --env production --ref v1.4.0 --dry-run',
      'pnpm pilot --strategy blue-green',
    ],
    async run({ flags, cwd, log, signal, result }) {
      // Loaded here, not at the top: `pilot --help` and the other commands start without the deployment engine.
      const [{ openEnv }, { deploy, formatDeployResult }] = await Promise.all([
        import('@pilot/core'),
        import('@pilot/orchestrator'),
      ]);
      const ctx = await openEnv(cwd, flags.env, log);
      const dryRun = options.dryRunOnly || flags['dry-run'];
      if (!dryRun && !flags.yes && ctx.env.upstream && process.stdin.isTTY && process.stdout.isTTY) {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(`Deploy ${flags.ref ?? 'HEAD'} to ${ctx.envName}? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) throw new RefusedError('deployment cancelled');
      }
      const outcome = await deploy({
        ctx,
        log,
        signal,
        ref: flags.ref,
        version: flags.version,
        strategy: flags.strategy as 'canary' | 'blue-green' | 'batch' | undefined,
        dryRun,
        force: flags.force,
      });
      result(outcome, formatDeployResult(outcome));
      return outcome.exitCode ?? ExitCode.ok;
    },
  });
}
