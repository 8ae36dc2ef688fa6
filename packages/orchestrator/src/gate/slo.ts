import { type EnvContext, parseDuration } from '@pilot/core';
import { type Sample, routerDirOf, routerRunning } from '@pilot/router';
import type { Criterion } from './criteria.ts';

/** SLO targets of an environment (policies/gate.json `slo`): all optional; `lookback` is how far back samples count. */
export interface SloTargets {
  availabilityPercent?: number;
  errorRatePercent?: number;
  p95Ms?: number;
  lookback?: string;
}

/** Availability, error rate and p95 of router samples ([ts, status, latencyMs]; status 0 = no response) against the targets. */
export function judgeSlo(samples: Sample[], targets: SloTargets, source: string): Criterion {
  const name = 'SLO';
  if (samples.length === 0) return { name, status: 'n/a', detail: `no traffic in the look-back window (${source})` };
  const errors = samples.filter(([, status]) => status === 0 || status >= 500).length;
  const errorRate = (100 * errors) / samples.length;
  const latencies = samples.map(([, , ms]) => ms).sort((a, b) => a - b);
  const p95 = latencies[Math.min(latencies.length - 1, Math.ceil(0.95 * latencies.length) - 1)];
  const misses: string[] = [];
  if (targets.availabilityPercent !== undefined && 100 - errorRate < targets.availabilityPercent)
    misses.push(`availability ${(100 - errorRate).toFixed(2)}% < ${targets.availabilityPercent}%`);
  if (targets.errorRatePercent !== undefined && errorRate > targets.errorRatePercent)
    misses.push(`error rate ${errorRate.toFixed(2)}% > ${targets.errorRatePercent}%`);
  if (targets.p95Ms !== undefined && p95 > targets.p95Ms) misses.push(`p95 ${Math.round(p95)}ms > ${targets.p95Ms}ms`);
  const figures = `availability ${(100 - errorRate).toFixed(2)}%, error rate ${errorRate.toFixed(2)}%, p95 ${Math.round(p95)}ms over ${samples.length} requests`;
  return {
    name,
    status: misses.length ? 'fail' : 'pass',
    detail: misses.length ? misses.join('; ') : `${figures} — within targets`,
    evidence: `${source}: ${figures}`,
  };
}

/**
 * The SLO criterion from the local router's samples of the release — or, for a release that has served nothing yet (the
 * gate of a deployment), of the releases serving the environment now. n/a without targets or a running router.
 */
export async function sloCriterion(
  ctx: EnvContext,
  version: string,
  targets: SloTargets | undefined,
  now: number,
): Promise<Criterion> {
  if (!targets || Object.keys(targets).length === 0)
    return { name: 'SLO', status: 'n/a', detail: 'no SLO targets in policies/gate.json (slo)' };
  const running =
    ctx.env.target.kind === 'local'
      ? await routerRunning(routerDirOf(ctx.root, ctx.envName)).catch(() => undefined)
      : undefined;
  if (!running)
    return {
      name: 'SLO',
      status: 'n/a',
      detail: `no router samples on ${ctx.envName} (${ctx.env.target.kind === 'local' ? 'the router is not running' : `the ${ctx.env.target.kind} target has no router`})`,
    };
  const since = now - parseDuration(targets.lookback ?? '15m', 'policies/gate.json slo.lookback');
  const answer = await running.client
    .get<{ releases: Record<string, { samples: Sample[] }> }>(`/admin/samples?since=${since}`)
    .catch(() => undefined);
  const releases = answer?.releases ?? {};
  const mine = releases[version]?.samples ?? [];
  const from = new Date(since).toISOString();
  if (mine.length > 0) return judgeSlo(mine, targets, `router samples of ${version} since ${from}`);
  // A release about to go live has served nothing yet: the gate then judges the environment it would join.
  const serving = Object.keys(releases).filter((name) => releases[name].samples.length > 0);
  const all = serving.flatMap((name) => releases[name].samples);
  return judgeSlo(
    all,
    targets,
    `router samples of ${ctx.envName} (${serving.join(', ') || 'no release'}; ${version} has served none yet) since ${from}`,
  );
}
