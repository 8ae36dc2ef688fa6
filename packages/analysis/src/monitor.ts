import type { EnvContext, Logger } from '@pilot/core';
import { reasonOf } from './analyse-step.ts';
import { type Finding, percentile } from './rules/evaluate.ts';
import { loadRuleSets } from './rules/rules.ts';
import { Watch } from './watch.ts';

export interface MonitorOptions {
  ctx: EnvContext;
  log: Logger;
  durationMs: number;
  intervalMs: number;
  signal: AbortSignal;
  /** Called on every tick with the live figures (the TTY status line). */
  onTick?: (s: MonitorSummary) => void;
}

export interface MonitorSummary {
  env: string;
  elapsedMs: number;
  checks: number;
  successRate: number | null;
  p95Ms: number | null;
  errorRate: number | null;
  requests: number;
  warnings: Record<string, unknown>[];
  /** `rollback` when a critical rule tripped; `interrupted` on Ctrl-C; else `healthy`. */
  verdict: 'healthy' | 'rollback' | 'interrupted';
  reasons: Record<string, unknown>[];
}

/** Watches an environment's public URL against its rule sets until the duration ends, a critical rule trips, or the signal aborts. */
export async function runMonitor(o: MonitorOptions): Promise<MonitorSummary> {
  const rules = await loadRuleSets(o.ctx.root, o.ctx.env.rules);
  const watch = new Watch({ ctx: o.ctx, rules, probeUrl: `http://127.0.0.1:${o.ctx.env.port}` });
  const end = Date.now() + o.durationMs;
  const warnings: Record<string, unknown>[] = [];
  let summary = summarise(o, watch, [], warnings, 'healthy');
  for (;;) {
    const { findings } = await watch.tick();
    for (const warning of findings.filter((f) => f.breached && f.severity === 'warning')) {
      warnings.push(reasonOf(warning));
      o.log.warn(
        'monitor.warning',
        `${warning.rule}: ${warning.observed} against ${warning.threshold} (${warning.window})`,
        reasonOf(warning),
      );
    }
    const critical = findings.filter((f) => f.breached && f.severity === 'critical');
    summary = summarise(o, watch, critical, warnings, critical.length ? 'rollback' : 'healthy');
    o.onTick?.(summary);
    o.log.logMetrics('monitor.tick', {
      env: o.ctx.envName,
      checks: summary.checks,
      successRate: summary.successRate ?? -1,
      p95Ms: summary.p95Ms ?? -1,
      errorRate: summary.errorRate ?? -1,
    });
    if (critical.length) return summary;
    const left = end - Date.now();
    if (left <= 0) return summary;
    if (await sleepUnlessAborted(Math.min(o.intervalMs, left), o.signal)) return { ...summary, verdict: 'interrupted' };
  }
}

function summarise(
  o: MonitorOptions,
  watch: Watch,
  critical: Finding[],
  warnings: Record<string, unknown>[],
  verdict: MonitorSummary['verdict'],
): MonitorSummary {
  const samples = watch.samplesOf(undefined);
  const served = samples.filter((s) => s[1] !== 0).map((s) => s[2]);
  const ok = watch.checks.filter((c) => c.ok).length;
  return {
    env: o.ctx.envName,
    elapsedMs: Date.now() - watch.started,
    checks: watch.checks.length,
    successRate: watch.checks.length ? ok / watch.checks.length : null,
    p95Ms: served.length ? percentile(served, 0.95) : null,
    errorRate: samples.length ? samples.filter((s) => s[1] === 0 || s[1] >= 500).length / samples.length : null,
    requests: samples.length,
    warnings,
    verdict,
    reasons: critical.map(reasonOf),
  };
}

// Resolves true when aborted (Ctrl-C), false when the time passed.
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    // The listener goes when the time passes: one left per tick would pile up on the run's signal (MaxListenersExceededWarning).
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
