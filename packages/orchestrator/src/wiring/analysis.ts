import { type EnvContext, type Logger, PilotError, type TargetDriver, parseDuration } from '@pilot/core';
import { optionalPackage } from './optional.ts';
import type { AnalysisPort, Verdict } from '../analysis/port.ts';

// biome-ignore lint/suspicious/noExplicitAny: the analysis package's functions are called through its documented interface.
type Fn = (...args: any[]) => any;

/** Loads @pilot/analysis at run time; a missing function is a clear error naming the package, never a silent pass. */
async function analysisModule(): Promise<Record<string, Fn>> {
  return (await optionalPackage('@pilot/analysis')) as Record<string, Fn>;
}

function need(mod: Record<string, Fn>, name: string): Fn {
  const fn = mod[name];
  if (typeof fn !== 'function') throw new PilotError(`@pilot/analysis does not export ${name} in this checkout — the health/analysis issue provides it`);
  return fn;
}

/** The analysis wired from @pilot/analysis: smoke tests, rule sets from policies/rules.yaml and the canary judge. */
export async function createDefaultAnalysis(ctx: EnvContext, log: Logger, target: TargetDriver): Promise<AnalysisPort> {
  const mod = await analysisModule();
  const { checks, service } = ctx.config;
  return {
    async smoke(baseUrl, signal) {
      const run = need(mod, 'runSmokeTests');
      const outcome = await run({
        baseUrl,
        checks: checks.smoke,
        builtIns: { live: service.health.live, ready: service.health.ready },
        timeoutMs: parseDuration(checks.timeout),
        deadlineMs: parseDuration(checks.deadline),
        signal,
      });
      return { passed: Boolean(outcome.passed), results: outcome.results ?? [] };
    },
    async analyse(o): Promise<Verdict> {
      const analyse = need(mod, 'analyseStep');
      return analyse({ ...o, root: ctx.root, ctx, rules: ctx.env.rules, target, log });
    },
  };
}
