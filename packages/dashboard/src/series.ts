/** One request as the router saw it: when it ended, its status (0 = no answer), its latency in ms. */
export type Sample = [tsMs: number, status: number, latencyMs: number];

/** One bucket of a release's traffic: its start, requests per second, share of errors (5xx or no answer), latency percentiles. */
export interface Point {
  t: number;
  n: number;
  rate: number;
  /** null when the bucket has no request (no rate to speak of). */
  errorRate: number | null;
  p95: number | null;
  p99: number | null;
}

export const STEP_MS = 2000;
export const SPAN_MS = 15 * 60_000;

/** Buckets `samples` of [fromMs, toMs) into `stepMs` slices; a slice without requests has rate 0 and no error rate or latency. */
export function bucketize(samples: Sample[], fromMs: number, toMs: number, stepMs = STEP_MS): Point[] {
  const slices = Math.max(0, Math.ceil((toMs - fromMs) / stepMs));
  const latencies: number[][] = Array.from({ length: slices }, () => []);
  const errors = new Array<number>(slices).fill(0);
  for (const [ts, status, latency] of samples) {
    if (ts < fromMs || ts >= toMs) continue;
    const i = Math.floor((ts - fromMs) / stepMs);
    latencies[i].push(latency);
    if (status === 0 || status >= 500) errors[i] += 1;
  }
  return latencies.map((l, i) => {
    const n = l.length;
    l.sort((a, b) => a - b);
    return {
      t: fromMs + i * stepMs,
      n,
      rate: Math.round((n / (stepMs / 1000)) * 100) / 100,
      errorRate: n ? Math.round((errors[i] / n) * 10_000) / 10_000 : null,
      p95: n ? quantile(l, 0.95) : null,
      p99: n ? quantile(l, 0.99) : null,
    };
  });
}

// Nearest-rank on a sorted list.
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * The last 15 minutes per release in fixed 2 s buckets, fed from the router's samples as time passes: the live page's
 * charts. Memory is bounded: SPAN_MS / STEP_MS points per release, releases without a point in the window are dropped.
 */
export class SeriesWindow {
  readonly #points = new Map<string, Point[]>();
  #edge: number;

  constructor(now = Date.now()) {
    this.#edge = Math.floor(now / STEP_MS) * STEP_MS;
  }

  /** Where the next bucket starts: ask the router for samples since then. */
  get edge(): number {
    return this.#edge;
  }

  /** Closes every whole bucket up to `now` from `samples` (per release, since `edge`); returns the new points. */
  record(samples: Record<string, Sample[]>, now = Date.now()): Record<string, Point[]> {
    const to = Math.floor(now / STEP_MS) * STEP_MS;
    if (to <= this.#edge) return {};
    const from = Math.max(this.#edge, to - SPAN_MS);
    const added: Record<string, Point[]> = {};
    for (const [version, list] of Object.entries(samples)) {
      const points = bucketize(list, from, to);
      if (!this.#points.has(version) && points.every((p) => p.n === 0)) continue;
      const kept = [...(this.#points.get(version) ?? []), ...points].filter((p) => p.t >= to - SPAN_MS);
      this.#points.set(version, kept);
      added[version] = points;
    }
    for (const [version, kept] of this.#points) {
      if (!(version in samples))
        this.#points.set(
          version,
          kept.filter((p) => p.t >= to - SPAN_MS),
        );
      if (!this.#points.get(version)?.some((p) => p.n > 0)) this.#points.delete(version);
    }
    this.#edge = to;
    return added;
  }

  snapshot(): Record<string, Point[]> {
    return Object.fromEntries(this.#points);
  }
}
