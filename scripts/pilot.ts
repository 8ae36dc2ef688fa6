#!/usr/bin/env tsx
// `pnpm pilot` — one-touch deployment. Thin entry: flags in, a package call, an exit code out.
import { runCli } from '@pilot/core';
import { initCommand } from './pilot/init.ts';
import { lockCommand } from './pilot/lock.ts';
import { notBuiltYet } from './lib/not-built.ts';

await runCli({
  name: 'pilot',
  summary: 'one-touch deployment with safety nets',
  examples: ['pnpm pilot init', 'pnpm pilot lock status --env staging'],
  commands: {
    init: initCommand,
    lock: lockCommand,
    deploy: notBuiltYet('pilot deploy', 'the orchestrator (canary, blue-green, batch)'),
    demo: notBuiltYet('pilot demo', 'the end-to-end demo deployment'),
  },
});
