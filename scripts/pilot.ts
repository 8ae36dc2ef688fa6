#!/usr/bin/env tsx
// `pnpm pilot` — one-touch deployment. Thin entry: flags in, a package call, an exit code out.
import { runCli } from '@pilot/core';
import { initCommand } from './pilot/init.ts';
import { lockCommand } from './pilot/lock.ts';
import { maintenanceCommand } from './pilot/maintenance.ts';
import { routerCommand } from './pilot/router.ts';
import { approveCommand } from './pilot/approve.ts';
import { abortCommand, promoteCommand, resumeCommand, retryCommand } from './pilot/control.ts';
import { deployCommand } from './pilot/deploy.ts';
import { demoCommand } from './pilot/demo.ts';
import { logsCommand } from './pilot/logs.ts';
import { statusCommand } from './pilot/status.ts';

await runCli({
  name: 'pilot',
  summary: 'one-touch deployment with safety nets',
  examples: ['pnpm pilot init', 'pnpm pilot lock status --env staging'],
  default: deployCommand(),
  // Separate scripts, so `pnpm pilot rollback` is a typo and never a deployment.
  elsewhere: { rollback: 'pnpm rollback', monitor: 'pnpm monitor', attest: 'pnpm attest', 'smoke-tests': 'pnpm smoke-tests', 'backup-dhash': 'pnpm backup-dhash', 'deploy-dryrun': 'pnpm deploy-dryrun' },
  commands: {
    init: initCommand,
    lock: lockCommand,
    deploy: deployCommand({ name: 'pilot deploy' }),
    status: statusCommand,
    logs: logsCommand,
    promote: promoteCommand,
    resume: resumeCommand,
    abort: abortCommand,
    retry: retryCommand,
    approve: approveCommand,
    demo: demoCommand,
    router: routerCommand,
    maintenance: maintenanceCommand,
  },
});
