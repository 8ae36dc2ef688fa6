#!/usr/bin/env tsx
// `pnpm monitor` — watch an environment against its rule sets; on a critical breach exit 1 (or roll back with --auto-rollback).
import { ExitCode, defineCommand, formatDuration, openEnv, parseDuration, runCli } from '@pilot/core';
import { type MonitorSummary, runMonitor } from '@pilot/analysis';
import { notifyOnce, rollback } from '@pilot/orchestrator';

await runCli(
  defineCommand({
    name: 'monitor',
    summary: 'watch an environment against its rules; critical breach → exit 1 (or roll back)',
    usage: [
      'monitor [--env E] [--duration 60m] [--interval 30s] [--auto-rollback]',
      'MONITOR_DURATION=3600 AUTO_ROLLBACK=true monitor --env E',
    ],
    flags: {
      env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
      duration: {
        type: 'string',
        placeholder: 'D',
        description: 'how long to watch (default: $MONITOR_DURATION seconds, else 60m)',
      },
      interval: { type: 'string', placeholder: 'I', description: 'time between checks (default: 30s)' },
      'auto-rollback': {
        type: 'boolean',
        description: 'roll back by itself on a critical breach (also AUTO_ROLLBACK=true)',
      },
    },
    examples: [
      'pnpm monitor --env production --duration 60m',
      'MONITOR_DURATION=3600 AUTO_ROLLBACK=true pnpm monitor --env production',
    ],
    async run({ flags, cwd, env, log, signal, result }) {
      const ctx = await openEnv(cwd, flags.env, log);
      const durationMs = parseDuration(
        flags.duration ?? env.MONITOR_DURATION ?? '60m',
        flags.duration ? '--duration' : 'MONITOR_DURATION',
      );
      const intervalMs = parseDuration(flags.interval ?? '30s', '--interval');
      const autoRollback = flags['auto-rollback'] || env.AUTO_ROLLBACK === 'true';
      // Each check's figures as a status line on a terminal (quiet with --json or when stderr is not a TTY).
      const summary = await runMonitor({
        ctx,
        log,
        durationMs,
        intervalMs,
        signal,
        onTick: (s) => log.progress(`monitoring ${ctx.envName}: ${statusLine(s)}`),
      });
      log.progressDone();
      let rolledBack: Awaited<ReturnType<typeof rollback>> | undefined;
      if (summary.verdict === 'rollback' && autoRollback) {
        log.warn('monitor.auto_rollback', `critical rule tripped on ${ctx.envName}: rolling back`, {
          reasons: summary.reasons,
        });
        rolledBack = await rollback({
          ctx,
          log,
          signal: new AbortController().signal,
          reason: `monitor: ${summary.reasons.map((r) => r.rule).join(', ')}`,
          notify: false,
        });
      }
      if (summary.verdict === 'rollback') {
        const evidence = summary.reasons.map((r) => ({
          rule: String(r.rule),
          observed: String(r.observed),
          threshold: String(r.threshold),
        }));
        const reason = `critical rule${summary.reasons.length > 1 ? 's' : ''} tripped: ${summary.reasons.map((r) => r.rule).join(', ')}`;
        await notifyOnce(
          ctx,
          log,
          rolledBack
            ? {
                event: 'monitor.rolled_back',
                version: rolledBack.from,
                previous: rolledBack.to,
                actor: 'pnpm monitor --auto-rollback',
                reason,
                evidence,
              }
            : {
                event: 'monitor.alert',
                actor: 'pnpm monitor',
                reason,
                evidence,
                rollbackCommand: `pnpm rollback --env ${ctx.envName}`,
              },
        );
      }
      result({ ...summary, rolledBack }, () => human(summary, ctx.envName, rolledBack?.to));
      if (summary.verdict === 'interrupted') return ExitCode.interrupted;
      return summary.verdict === 'rollback' ? ExitCode.failed : ExitCode.ok;
    },
  }),
);

function pct(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(1)}%`;
}

function statusLine(s: MonitorSummary): string {
  return `${formatDuration(s.elapsedMs)} · ${s.checks} checks · success ${pct(s.successRate)} · p95 ${s.p95Ms === null ? '—' : `${Math.round(s.p95Ms)} ms`} · errors ${pct(s.errorRate)} (${s.requests} requests)`;
}

function human(s: MonitorSummary, env: string, rolledBackTo?: string): string {
  const lines = [`monitor ${env}: ${statusLine(s)}`];
  for (const w of s.warnings.slice(-5))
    lines.push(`  ! warning ${w.rule}: ${w.observed} against ${w.threshold} (${w.window})`);
  if (s.verdict === 'rollback') {
    for (const r of s.reasons)
      lines.push(`  ✗ critical ${r.rule}: observed ${r.observed}, threshold ${r.threshold}, window ${r.window}`);
    lines.push(rolledBackTo ? `  rolled back to ${rolledBackTo}` : `  roll back with: pnpm rollback --env ${env}`);
  } else lines.push(s.verdict === 'interrupted' ? '  stopped by Ctrl-C' : '  ✓ no critical rule tripped');
  return lines.join('\n');
}
