import { queryPrometheus, queryPrometheusVector } from './prometheus-api.ts';

/**
 * Where one release's traffic is in Prometheus: series selectors (or expressions) naming it with `{version}` (and
 * optionally `{env}`), substituted as PromQL string contents — the shape of an environment's `prometheus` config.
 */
export interface PrometheusVersionSelectors {
  /** Counter of the release's requests, e.g. `http_requests_total{version="{version}"}`. */
  requests: string;
  /** Counter of its failed requests. No series counts 0 (Prometheus has none until the first failure). */
  errors: string;
  /** Its latency histogram's `_bucket` series (with `le`, in seconds). */
  latency?: string;
}

/** One release's counters as Prometheus has them at `at` (ms). */
export interface VersionTotals {
  at: number;
  /** NaN while Prometheus has no series for the release. */
  requests: number;
  errors: number;
  /** Cumulative latency buckets: [upper bound in ms (Infinity for +Inf), requests at or under it], ascending. */
  buckets: [number, number][];
}

/** One release's requests between two reads: counts, and latency per bucket ([upper bound ms, requests in (previous bound, it]]). */
export interface VersionIncrease {
  requests: number;
  errors: number;
  buckets: [number, number][];
}

/**
 * Per-release request, error and latency-histogram counters from Prometheus, for a target whose traffic Pilot does
 * not see itself (`command`): the sequential judge's looks are the increases between two reads.
 */
export class PrometheusVersionSource {
  constructor(
    readonly url: string,
    readonly selectors: PrometheusVersionSelectors,
    readonly vars: Record<string, string> = {},
  ) {}

  /** The release's counters now, summed over its series (instances, paths, status codes). */
  async totals(version: string): Promise<VersionTotals> {
    const q = (selector: string) => substitute(selector, { ...this.vars, version });
    const at = Date.now();
    const { requests, errors, latency } = this.selectors;
    const [requestsTotal, errorsTotal, buckets] = await Promise.all([
      queryPrometheus(this.url, `sum(${q(requests)})`),
      queryPrometheus(this.url, `sum(${q(errors)})`),
      latency ? queryPrometheusVector(this.url, `sum by (le) (${q(latency)})`) : [],
    ]);
    const byLe = buckets
      .filter((b) => b.labels.le !== undefined)
      .map((b): [number, number] => [
        b.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(b.labels.le) * 1000,
        b.value,
      ]);
    return {
      at,
      requests: requestsTotal,
      errors: Number.isNaN(errorsTotal) ? 0 : errorsTotal,
      buckets: byLe.sort((a, b) => a[0] - b[0]),
    };
  }
}

/**
 * The metric the errors selector names when Prometheus has no series of it at all, for any release: a misspelt name
 * reads as "no errors", so the caller warns. Undefined when it has series, or the selector is an expression.
 */
export async function unseenErrorsMetric(
  url: string,
  selectors: PrometheusVersionSelectors,
): Promise<string | undefined> {
  const name = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{|$)/.exec(selectors.errors)?.[1];
  if (!name) return undefined;
  const series = await queryPrometheus(url, `count({__name__="${name}"})`);
  return Number.isNaN(series) || series === 0 ? name : undefined;
}

/**
 * What a release served between two reads, as Prometheus' `increase` counts it (a counter that went down was reset:
 * its new value is the increase; a series that appeared since started from 0); undefined while the later read has no
 * request series.
 */
export function increaseBetween(before: VersionTotals, after: VersionTotals): VersionIncrease | undefined {
  if (Number.isNaN(after.requests)) return undefined;
  if (Number.isNaN(before.requests))
    return increaseBetween({ at: before.at, requests: 0, errors: 0, buckets: [] }, after);
  const grew = (a: number, b: number) => (b >= a ? b - a : b);
  const requests = grew(before.requests, after.requests);
  const earlier = new Map(before.buckets);
  let below = 0;
  const buckets: [number, number][] = [];
  for (const [le, count] of after.buckets) {
    const cumulative = grew(earlier.get(le) ?? 0, count);
    buckets.push([le, Math.max(0, cumulative - below)]);
    below = Math.max(below, cumulative);
  }
  return { requests, errors: Math.min(requests, grew(before.errors, after.errors)), buckets };
}

// A value inside a PromQL string literal: backslashes and quotes escaped.
function substitute(query: string, vars: Record<string, string>): string {
  return query.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? vars[name].replace(/[\\"']/g, (c) => `\\${c}`) : whole,
  );
}
