#!/usr/bin/env tsx
// `pnpm pilot` — one-touch deployment. Thin entry: flags in, a package call, an exit code out.
// Commands load on first use, so `pilot status` and `--help` start without the code of a deployment.
import { lazyCommand, runCli } from '@pilot/core';
import { deployCommand } from './pilot/deploy.ts';

await runCli({
  name: 'pilot',
  summary: 'one-touch deployment with safety nets',
  examples: ['pnpm pilot init', 'pnpm pilot lock status --env staging'],
  default: deployCommand(),
  // Separate scripts, so `pnpm pilot rollback` is a typo and never a deployment.
  elsewhere: {
    rollback: 'pnpm rollback',
    monitor: 'pnpm monitor',
    attest: 'pnpm attest',
    'smoke-tests': 'pnpm smoke-tests',
    'backup-dhash': 'pnpm backup-dhash',
    'deploy-dryrun': 'pnpm deploy-dryrun',
  },
  commands: {
    init: lazyCommand(
      'write a commented starter pilot.config.ts for your service',
      async () => (await import('./pilot/init.ts')).initCommand,
    ),
    lock: lazyCommand(
      'show, hold (freeze deployments) or release an environment lock',
      async () => (await import('./pilot/lock.ts')).lockCommand,
    ),
    deploy: deployCommand({ name: 'pilot deploy' }),
    status: lazyCommand(
      'what serves each environment, its lock, and the open deployment',
      async () => (await import('./pilot/status.ts')).statusCommand,
    ),
    logs: lazyCommand(
      "a deployment's journal (default: the newest of the environment), or a release's own output (--app)",
      async () => (await import('./pilot/logs.ts')).logsCommand,
    ),
    promote: lazyCommand(
      'continue a paused deployment now (past a manual pause, a delay or an inconclusive analysis)',
      async () => (await import('./pilot/control.ts')).promoteCommand,
    ),
    resume: lazyCommand(
      'continue a paused or interrupted deployment; --due continues every deployment whose delay has passed (for cron)',
      async () => (await import('./pilot/control.ts')).resumeCommand,
    ),
    abort: lazyCommand(
      'roll back the open deployment (paused, interrupted or running) and free the environment',
      async () => (await import('./pilot/control.ts')).abortCommand,
    ),
    retry: lazyCommand(
      'deploy again the release of the last deployment that was aborted, rolled back or failed (same version, same commit)',
      async () => (await import('./pilot/control.ts')).retryCommand,
    ),
    gate: lazyCommand(
      'the Go/No-Go decision for a release: each criterion with its evidence, GO (exit 0) or NO-GO (exit 1), and a sign-off report',
      async () => (await import('./pilot/gate.ts')).gateCommand,
    ),
    approve: lazyCommand(
      'approve a release for an environment, signed with your SSH key (checked against policies/allowed_signers)',
      async () => (await import('./pilot/approve.ts')).approveCommand,
    ),
    demo: lazyCommand(
      'the end-to-end demo: build the demo service, deploy v1, canary v2 to 100%, watch a faulty v3 roll back',
      async () => (await import('./pilot/demo.ts')).demoCommand,
    ),
    router: lazyCommand(
      'start, stop, inspect or install (systemd) the local router of an environment',
      async () => (await import('./pilot/router.ts')).routerCommand,
    ),
    notify: lazyCommand(
      "send a test message to the environment's notification channels and show what each answered",
      async () => (await import('./pilot/notify.ts')).notifyCommand,
    ),
    dashboard: lazyCommand(
      'serve the monitoring page of every environment (local routers and command targets) until Ctrl-C; --open adds one-time links that enable actions',
      async () => (await import('./pilot/dashboard.ts')).dashboardCommand,
    ),
    maintenance: lazyCommand(
      'emergency stop: the router answers 503 with a message (its health path still answers)',
      async () => (await import('./pilot/maintenance.ts')).maintenanceCommand,
    ),
  },
});
