#!/usr/bin/env tsx
// `pnpm migration-dryrun` — lint pending PostgreSQL migrations and try them in a rolled-back transaction.
import { join, resolve } from 'node:path';
import { ExitCode, defineCommand, loadConfig, openEnv, runCli } from '@pilot/core';
import { dryRunMigrations, formatDryRun, formatLintReport, lintMigrations } from '@pilot/migrate';

const command = defineCommand({
  name: 'migration-dryrun',
  summary:
    'lint pending SQL migrations (file:line, why, safe alternative) and dry-run them in a transaction that is rolled back',
  usage: ['migration-dryrun [--env E] [--dir DIR] [--lint-only] [--json]'],
  flags: {
    env: {
      type: 'string',
      placeholder: 'E',
      description: 'environment whose database to dry-run against (default: staging)',
    },
    dir: {
      type: 'string',
      placeholder: 'DIR',
      description: 'migrations folder (default: migrations.dir, "migrations")',
    },
    'lint-only': { type: 'boolean', description: 'lint every file, no database needed' },
  },
  examples: ['pnpm migration-dryrun --env production', 'pnpm migration-dryrun --lint-only --dir db/migrations'],
  async run({ flags, cwd, log, signal, result }) {
    const dir = flags.dir ? resolve(cwd, flags.dir) : undefined;
    if (flags['lint-only']) {
      const { config, root } = dir ? { config: undefined, root: cwd } : await loadConfig(cwd);
      const lint = await lintMigrations({ dir: dir ?? join(root, config?.migrations?.dir ?? 'migrations') });
      result({ lint }, formatLintReport(lint));
      return lint.ok ? ExitCode.ok : ExitCode.failed;
    }
    const ctx = await openEnv(cwd, flags.env, log);
    const dryRun = await dryRunMigrations({
      root: ctx.root,
      config: ctx.config,
      envName: ctx.envName,
      env: ctx.env,
      dir,
      log,
      signal,
    });
    const lint = await lintMigrations({
      dir: dir ?? join(ctx.root, ctx.config.migrations?.dir ?? 'migrations'),
      only: dryRun.pending,
    });
    result({ lint, dryRun }, `${formatLintReport(lint)}\n\n${formatDryRun(dryRun)}`);
    return lint.ok && dryRun.ok ? ExitCode.ok : ExitCode.failed;
  },
});

await runCli(command);
