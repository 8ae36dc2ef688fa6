#!/usr/bin/env tsx
// `pnpm deploy-dryrun` — the same as `pnpm pilot --dry-run`: the plan with every exact command, nothing changed.
import { runCli } from '@pilot/core';
import { deployCommand } from './pilot/deploy.ts';

await runCli(deployCommand({ dryRunOnly: true, name: 'deploy-dryrun' }));
