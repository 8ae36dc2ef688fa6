#!/usr/bin/env tsx
// `pnpm premerge` — runs locally what premerge-validation.yml runs, then prints one summary.
import { dirname } from 'node:path';
import { ExitCode, UsageError, defineCommand, findConfigFile, runCli } from '@pilot/core';
import { PREMERGE_STEPS, renderSummary, runPremerge } from '@pilot/policy';

const ids = PREMERGE_STEPS.map((step) => step.id);

await runCli(
  defineCommand({
    name: 'premerge',
    summary: 'run lint, typecheck, unit tests, policy-check, the e-tag ledger check and pnpm audit; one summary',
    usage: ['premerge [--skip STEP]… [--only STEP]… [--verbose] [--json]'],
    flags: {
      skip: {
        type: 'string',
        multiple: true,
        placeholder: 'STEP',
        description: `leave a step out (${ids.join(', ')})`,
      },
      only: { type: 'string', multiple: true, placeholder: 'STEP', description: 'run only these steps' },
      verbose: {
        type: 'boolean',
        description: "stream every step's output (default: only a failed step's last lines)",
      },
    },
    examples: ['pnpm premerge', 'pnpm premerge --skip test', 'pnpm premerge --only policy-check --only etag'],
    async run({ flags, cwd, env, signal, result }) {
      for (const [flag, values] of [
        ['skip', flags.skip],
        ['only', flags.only],
      ] as const) {
        for (const value of values ?? []) {
          if (!ids.includes(value))
            throw new UsageError(
              `premerge: --${flag} ${JSON.stringify(value)} is not a step — steps: ${ids.join(', ')}`,
            );
        }
      }
      const config = findConfigFile(cwd);
      const root = config ? dirname(config) : cwd;
      const only = new Set(flags.only ?? []);
      const skip = [...(flags.skip ?? []), ...(only.size ? ids.filter((id) => !only.has(id)) : [])];
      const human = !flags.json;
      const report = await runPremerge({
        root,
        steps: PREMERGE_STEPS,
        skip,
        env,
        signal,
        onStep: ({ phase, step, result: r }) => {
          if (!human) return;
          if (phase === 'start') process.stderr.write(`▸ ${step.title} …\n`);
          else if (r && r.status !== 'pass' && r.tail && !flags.verbose) process.stderr.write(`${r.tail}\n`);
        },
        ...(flags.verbose && human ? { onOutput: (chunk: string) => process.stderr.write(chunk) } : {}),
      });
      result(report, () => renderSummary(report.results));
      return report.ok ? ExitCode.ok : ExitCode.failed;
    },
  }),
);
