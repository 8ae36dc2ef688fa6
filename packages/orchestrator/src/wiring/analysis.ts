import { type Evidence, analyseStep, describeSmokeFailures, runSmokeTests } from '@pilot/analysis';
import { type EnvContext, type Logger, type TargetDriver, parseDuration } from '@pilot/core';
import type { AnalysisPort } from '../analysis/port.ts';

/** The analysis wired from @pilot/analysis: smoke tests, rule sets from policies/rules.yaml and the canary judge. */
export function createDefaultAnalysis(ctx: EnvContext, log: Logger, target: TargetDriver): AnalysisPort {
  const { checks, service } = ctx.config;
  return {
    async smoke(baseUrl, signal, o) {
      const outcome = await runSmokeTests({
        baseUrl,
        readyPassed: o?.ready,
        checks: checks.smoke,
        dependencies: checks.dependencies,
        builtIns: { live: service.health.live, ready: service.health.ready, metrics: service.metricsPath },
        timeoutMs: parseDuration(checks.timeout),
        deadlineMs: parseDuration(checks.deadline),
        signal,
        onRetry: (r) => log.progress(`smoke: ${r.name} failing (${r.error}) — attempt ${r.attempt}, retrying`),
      });
      log.progressDone();
      return {
        passed: outcome.passed,
        failures: describeSmokeFailures(outcome.results),
        results: outcome.results as unknown as Record<string, unknown>[],
      };
    },
    analyse: ({ evidence, onEvidence, ...o }) => {
      const { kind, alpha } = ctx.config.judge;
      const judge =
        kind === 'sequential'
          ? {
              kind,
              alpha,
              evidence,
              onEvidence: onEvidence && ((e: Evidence) => onEvidence(e as unknown as Record<string, unknown>)),
            }
          : { confidence: 1 - alpha };
      return analyseStep({ ...o, root: ctx.root, ctx, rules: ctx.env.rules, target, log, judge });
    },
  };
}
