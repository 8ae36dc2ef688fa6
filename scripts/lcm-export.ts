#!/usr/bin/env tsx
// `pnpm lcm-export` — the lifecycle export an auditor asks for: one reproducible .tar.gz with its sidecars.
import { resolve } from 'node:path';
import {
  UsageError,
  defineCommand,
  learnSecrets,
  loadConfig,
  parseDuration,
  resolveEnvironment,
  runCli,
  stateDir,
} from '@pilot/core';
import { writeLcmExport } from '@pilot/orchestrator';

/** --since: an ISO date or time (2026-11-01, 2026-11-01T12:00Z), or a duration back from now (7d, 36h). */
function parseSince(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value)) return now - parseDuration(value, '--since');
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      `--since ${JSON.stringify(value)} is not a date or a duration — use e.g. 2026-11-01, 2026-11-01T12:00:00Z or 7d`,
    );
  return ms;
}

await runCli(
  defineCommand({
    name: 'lcm-export',
    summary:
      'the lifecycle export for auditors: config, policies, journals, approvals, sign-offs, attestations, backup manifests, migration and audit logs in one verifiable .tar.gz',
    usage: ['lcm-export [--env E] [--since DATE|DURATION] [--out FILE] [--json]'],
    flags: {
      env: { type: 'string', placeholder: 'E', description: 'only this environment (default: all)' },
      since: {
        type: 'string',
        placeholder: 'D',
        description: 'only what happened since this date or duration ago (default: everything)',
      },
      out: {
        type: 'string',
        placeholder: 'FILE',
        description: 'the archive to write (default: .pilot/exports/lcm-<env|all>.tar.gz)',
      },
    },
    examples: [
      'pnpm lcm-export --env production --since 30d',
      'pnpm lcm-export --since 2026-11-28T14:00:00Z --out incident-42.tar.gz',
    ],
    async run({ flags, cwd, log, result }) {
      const sinceMs = flags.since === undefined ? undefined : parseSince(flags.since);
      if (flags.out !== undefined && !/\.tar\.gz$/.test(flags.out))
        throw new UsageError(
          `--out ${JSON.stringify(flags.out)} must end in .tar.gz (the sidecars go next to it as .sha256 and .json)`,
        );
      const loaded = await loadConfig(cwd);
      if (flags.env) resolveEnvironment(loaded.config, flags.env);
      learnSecrets(log, loaded.config);
      const state = stateDir(loaded.root);
      const out = flags.out ? resolve(cwd, flags.out) : resolve(state, 'exports', `lcm-${flags.env ?? 'all'}.tar.gz`);
      const exported = await writeLcmExport({ loaded, state, out, env: flags.env, sinceMs, redactor: log.redactor });
      result(
        exported,
        `${exported.path}: ${exported.files.length} files, sha256 ${exported.sha256}\n  check it: pnpm backup-dhash verify ${exported.path}`,
      );
    },
  }),
);
