#!/usr/bin/env tsx
// `pnpm safe-migration` — back up, lint, dry-run, apply with lock timeouts and retries, verify, log.
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { RefusedError, UsageError, defineCommand, openEnv, runCli } from '@pilot/core';
import { formatSafeMigrate, pendingMigrations, safeMigrate } from '@pilot/migrate';

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const command = defineCommand({
  name: 'safe-migration',
  summary:
    'back up the database (verified pg_dump), lint, dry-run, apply pending migrations with lock timeouts and retries, verify, log',
  usage: ['safe-migration [--env E] [--dir DIR] [--yes] [--json]'],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment to migrate (default: staging)' },
    dir: {
      type: 'string',
      placeholder: 'DIR',
      description: 'migrations folder (default: migrations.dir, "migrations")',
    },
    yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation (required without a terminal)' },
  },
  examples: ['pnpm safe-migration --env staging', 'pnpm safe-migration --env production --yes --json'],
  async run({ flags, cwd, log, signal, result }) {
    if (!flags.yes && !process.stdin.isTTY)
      throw new UsageError(
        'safe-migration changes the database: pass --yes to run it without a terminal to confirm on',
      );
    const ctx = await openEnv(cwd, flags.env, log);
    const options = {
      root: ctx.root,
      config: ctx.config,
      envName: ctx.envName,
      env: ctx.env,
      dir: flags.dir ? resolve(cwd, flags.dir) : undefined,
      log,
      signal,
    };
    if (!flags.yes) {
      const { pending, database } = await pendingMigrations(options);
      if (
        pending.length &&
        !(await confirm(
          `apply ${pending.length} migration(s) to ${ctx.envName} ($${database}): ${pending.join(', ')}?`,
        ))
      ) {
        throw new RefusedError('not confirmed; nothing was changed');
      }
    }
    const migrated = await safeMigrate(options);
    result(migrated, formatSafeMigrate(migrated));
  },
});

await runCli(command);
