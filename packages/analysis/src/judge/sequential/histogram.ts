// Buckets 5% wide in latency: quantiles to within ±2.5%, a few dozen buckets for a typical service, small enough to journal.
const GROWTH = Math.log(1.05);
const PER_GROWTH = 1 / GROWTH;

/** Latencies (ms) counted in log-spaced buckets: bucket index → count. */
export type LatencyHistogram = Record<string, number>;

export function addToHistogram(h: LatencyHistogram, latencies: number[]): LatencyHistogram {
  const out = { ...h };
  for (const ms of latencies) {
    const bucket = Math.floor(Math.log1p(Math.max(ms, 0)) * PER_GROWTH);
    out[bucket] = (out[bucket] ?? 0) + 1;
  }
  return out;
}

/** `count` latencies of `ms` each (a Prometheus bucket's requests, at one of its bounds). */
export function addCountsToHistogram(h: LatencyHistogram, counts: [ms: number, count: number][]): LatencyHistogram {
  const out = { ...h };
  for (const [ms, count] of counts) {
    if (count <= 0) continue;
    const bucket = Math.floor(Math.log1p(Math.max(ms, 0)) * PER_GROWTH);
    out[bucket] = (out[bucket] ?? 0) + count;
  }
  return out;
}

/** The q-quantile (0–1) at its bucket's middle; NaN when empty. */
export function histogramQuantile(h: LatencyHistogram, q: number): number {
  const buckets = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, n] of buckets) {
    seen += n;
    if (seen >= rank) return Math.expm1((bucket + 0.5) * GROWTH);
  }
  return Number.NaN;
}
