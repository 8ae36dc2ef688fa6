#!/usr/bin/env tsx
// `pnpm quick-commands [--env E]` — the operator's copy-paste commands for one environment.
import { defineCommand, openEnv, runCli } from '@pilot/core';
import { quickCommands, renderQuickCommands } from '@pilot/runbooks';

await runCli(
  defineCommand({
    name: 'quick-commands',
    summary: 'the commands an operator reaches for, for one environment',
    usage: ['quick-commands [--env E] [--json]'],
    flags: { env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' } },
    async run({ flags, cwd, log, result }) {
      const ctx = await openEnv(cwd, flags.env, log);
      const groups = quickCommands(ctx.config, ctx.envName);
      result(groups, renderQuickCommands(groups));
    },
  }),
);
