#!/usr/bin/env tsx
// `pnpm policy-check` — dependency deny-list, workflow rules, required files and the secret scan.
import { dirname, resolve } from 'node:path';
import { ExitCode, UsageError, defineCommand, findConfigFile, runCli, writeFileAtomic } from '@pilot/core';
import { CHECK_NAMES, type CheckName, renderHuman, runPolicyCheck, toSarif } from '@pilot/policy';

await runCli(
  defineCommand({
    name: 'policy-check',
    summary: 'check the repository against policies/ (deny-list, workflows, required files, secrets)',
    usage: ['policy-check [--only CHECK]… [--sarif FILE] [--json]'],
    flags: {
      only: {
        type: 'string',
        multiple: true,
        placeholder: 'CHECK',
        description: `run only these checks (${CHECK_NAMES.join(', ')})`,
      },
      sarif: {
        type: 'string',
        placeholder: 'FILE',
        description: 'also write the findings as SARIF 2.1.0 (GitHub code scanning)',
      },
    },
    examples: [
      'pnpm policy-check',
      'pnpm policy-check --only secrets --json',
      'pnpm policy-check --sarif reports/policy.sarif',
    ],
    async run({ flags, cwd, result }) {
      for (const name of flags.only ?? []) {
        if (!(CHECK_NAMES as readonly string[]).includes(name))
          throw new UsageError(
            `policy-check: --only ${JSON.stringify(name)} is not a check — use one of ${CHECK_NAMES.join(', ')}`,
          );
      }
      // The repository root: where pilot.config.ts lives, else the current folder.
      const config = findConfigFile(cwd);
      const root = config ? dirname(config) : cwd;
      const report = await runPolicyCheck(root, { only: (flags.only ?? []) as CheckName[] });
      if (flags.sarif)
        await writeFileAtomic(resolve(cwd, flags.sarif), `${JSON.stringify(toSarif(report.findings), null, 2)}\n`);
      result(report, () => renderHuman(report.findings, report.checks));
      return report.ok ? ExitCode.ok : ExitCode.failed;
    },
  }),
);
