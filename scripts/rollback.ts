#!/usr/bin/env tsx
// `pnpm rollback` — back to the last-known-good release. Thin entry: flags in, a package call, an exit code out.
import { createInterface } from 'node:readline/promises';
import { RefusedError, defineCommand, formatDuration, openEnv, runCli } from '@pilot/core';
import { type RollbackResult, rollback } from '@pilot/orchestrator';

await runCli(
  defineCommand({
    name: 'rollback',
    summary: 'send all traffic back to the last-known-good release (or --to a release or tag)',
    usage: ['rollback [--env E] [--to VERSION] [--restore-db] [--drill] [--yes] [--json]'],
    flags: {
      env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
      to: {
        type: 'string',
        placeholder: 'VERSION',
        description: 'release version or git tag (default: last-known-good)',
      },
      'restore-db': { type: 'boolean', description: 'also restore the database dump taken before a schema migration' },
      drill: { type: 'boolean', description: 'roll back, verify, roll forward again and record the drill (staging)' },
      yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' },
      reason: { type: 'string', placeholder: 'TEXT', description: 'why, recorded in the journal' },
    },
    examples: [
      'pnpm rollback --env production',
      'pnpm rollback --env staging --to v41-1a2b3c4',
      'pnpm rollback --env staging --drill --yes',
    ],
    async run({ flags, cwd, log, signal, result }) {
      const ctx = await openEnv(cwd, flags.env, log);
      if (!flags.yes && process.stdin.isTTY && process.stdout.isTTY) {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(
          `Roll ${ctx.envName} back${flags.to ? ` to ${flags.to}` : ' to the last-known-good release'}? [y/N] `,
        );
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) throw new RefusedError('rollback cancelled');
      }
      const out = await rollback({
        ctx,
        log,
        signal,
        to: flags.to,
        restoreDb: flags['restore-db'],
        drill: flags.drill,
        reason: flags.reason,
      });
      result(out, human(out));
      return out.exitCode;
    },
  }),
);

function human(r: RollbackResult): string {
  if (r.alreadyLive) return `${r.to} is already live on ${r.env}: nothing was done.`;
  const smoke =
    'passed' in r.smoke
      ? r.smoke.passed
        ? 'smoke tests passed'
        : 'SMOKE TESTS FAILED'
      : `smoke tests skipped (${r.smoke.skipped})`;
  const lines = [
    `${r.exitCode === 0 ? '✓' : '✗'} ${r.env} rolled back from ${r.from ?? '?'} to ${r.to} in ${formatDuration(r.elapsedMs)} (switch ${r.switchMs} ms); ${smoke}.`,
  ];
  if (r.undid) lines.push(`  undid deployment ${r.undid}${r.tagDeleted ? ` (tag ${r.tagDeleted} deleted)` : ''}`);
  if (r.stopped?.length) lines.push(`  stopped ${r.stopped.join(', ')}: started, never routed`);
  if (r.migration) lines.push(`  ${r.migration}`);
  if (r.drill)
    lines.push(
      `  drill: rolled forward to ${r.drill.forwardTo} (switch ${r.drill.switchMs} ms), smoke ${r.drill.smokePassed ? 'passed' : 'FAILED'}`,
    );
  lines.push(`  journal: pnpm pilot logs ${r.id} --env ${r.env}`);
  return lines.join('\n');
}
