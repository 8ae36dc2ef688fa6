import { queryPrometheusRange } from '@pilot/analysis';
import { type PrometheusConfig, parseDuration } from '@pilot/core';
import { type Point, type SeriesSource, SPAN_MS, STEP_MS } from '@pilot/dashboard';

type Metric = 'rate' | 'errorRate' | 'p95' | 'p99';

/** The PromQL behind each chart for one release: its selectors with `{version}` and `{env}` replaced, rates over `window`. */
export function releaseQueries(
  c: Pick<PrometheusConfig, 'requests' | 'errors' | 'latency' | 'window'>,
  vars: { version: string; env: string },
): Record<Metric, string> {
  const range = `${Math.max(1, Math.round(parseDuration(c.window, 'prometheus.window') / 1000))}s`;
  // Values land inside PromQL string literals: backslashes and quotes escaped (as the judge's source does).
  const named = (selector: string) =>
    selector.replace(/\{(version|env)\}/g, (_, name: 'version' | 'env') =>
      vars[name].replace(/[\\"']/g, (ch) => `\\${ch}`),
    );
  const rate = (selector: string) => `rate(${named(selector)}[${range}])`;
  const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (${rate(c.latency)}))`;
  return {
    rate: `sum(${rate(c.requests)})`,
    // No error series yet means no errors, not no data.
    errorRate: `(sum(${rate(c.errors)}) or vector(0)) / sum(${rate(c.requests)})`,
    p95: quantile(0.95),
    p99: quantile(0.99),
  };
}

export interface PrometheusSeriesOptions {
  config: PrometheusConfig;
  env: string;
  /** Prometheus' base URL (the config's, or $PILOT_PROMETHEUS_URL). */
  url: string;
  /** The releases to chart: those that served in the last 15 minutes. */
  versions: () => Promise<string[]>;
}

/**
 * A command target's traffic from Prometheus, per release: request rate, error rate and p95/p99 latency as range
 * queries in the page's 2 s steps. Prometheus keeps the history, so this source keeps only where the next tick starts.
 */
export function prometheusSeries(o: PrometheusSeriesOptions): SeriesSource {
  // One step behind now: the last scrape may not be in yet.
  const aligned = () => Math.floor((Date.now() - STEP_MS) / STEP_MS) * STEP_MS;
  let edge = aligned();
  let note: string | undefined;
  const points = async (fromMs: number, toMs: number): Promise<Record<string, Point[]>> => {
    if (toMs <= fromMs) return {};
    const versions = await o.versions();
    if (versions.length === 0) {
      note = 'no release has served here in the last 15 minutes';
      return {};
    }
    try {
      const entries = await Promise.all(
        versions.map(async (version) => [version, await releasePoints(o, version, fromMs, toMs - STEP_MS)] as const),
      );
      note = `from Prometheus (${new URL(o.url).host}), ${o.config.window} rates`;
      return Object.fromEntries(entries.filter(([, list]) => list.some((p) => p.n > 0)));
    } catch (error) {
      note = (error as Error).message;
      return {};
    }
  };
  return {
    snapshot: () => points(edge - SPAN_MS, edge),
    async tick() {
      const to = aligned();
      const from = Math.max(edge, to - SPAN_MS);
      const added = await points(from, to);
      edge = to;
      return added;
    },
    note: () => note,
  };
}

async function releasePoints(
  o: PrometheusSeriesOptions,
  version: string,
  fromMs: number,
  toMs: number,
): Promise<Point[]> {
  const queries = releaseQueries(o.config, { version, env: o.env });
  const step = STEP_MS / 1000;
  const [rate, errorRate, p95, p99] = await Promise.all(
    (['rate', 'errorRate', 'p95', 'p99'] as const).map((m) =>
      queryPrometheusRange(o.url, queries[m], fromMs, toMs, step),
    ),
  );
  const at = (list: [number, number][]) => new Map(list.filter(([, v]) => Number.isFinite(v)).map(([t, v]) => [t, v]));
  const [errors, high, highest] = [at(errorRate), at(p95), at(p99)];
  const round = (v: number | undefined, digits: number) =>
    v === undefined ? null : Math.round(v * 10 ** digits) / 10 ** digits;
  return rate
    .filter(([, v]) => Number.isFinite(v))
    .map(([t, r]) => {
      const n = Math.round(r * step);
      return {
        t,
        n,
        rate: round(r, 2) ?? 0,
        errorRate: n ? round(errors.get(t), 4) : null,
        p95: n ? round(mayMs(high.get(t)), 1) : null,
        p99: n ? round(mayMs(highest.get(t)), 1) : null,
      };
    });
}

const mayMs = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);
