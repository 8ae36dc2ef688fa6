// Latency buckets in seconds, Prometheus' default set.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SAMPLE_WINDOW_MS = 10 * 60_000;
const MAX_SAMPLES = 50_000;

/** One request as the router saw it: when it ended, its status (0 = no response from the release), and its latency. */
export type Sample = [tsMs: number, status: number, latencyMs: number];

class ReleaseMetrics {
  readonly byCode = new Map<number, number>();
  readonly buckets = new Array<number>(BUCKETS.length).fill(0);
  count = 0;
  sumSeconds = 0;
  // A ring buffer in typed arrays: fixed memory, and no object per request for the garbage collector to promote.
  readonly #ts = new Float64Array(MAX_SAMPLES);
  readonly #status = new Uint16Array(MAX_SAMPLES);
  readonly #latency = new Float64Array(MAX_SAMPLES);
  #stored = 0;
  #next = 0;

  record(tsMs: number, status: number, latencyMs: number): void {
    this.byCode.set(status, (this.byCode.get(status) ?? 0) + 1);
    const seconds = latencyMs / 1000;
    this.count += 1;
    this.sumSeconds += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) this.buckets[i] += 1;
    this.#ts[this.#next] = tsMs;
    this.#status[this.#next] = status;
    this.#latency[this.#next] = latencyMs;
    this.#next = (this.#next + 1) % MAX_SAMPLES;
    if (this.#stored < MAX_SAMPLES) this.#stored += 1;
  }

  since(fromMs: number): Sample[] {
    const out: Sample[] = [];
    const first = this.#stored < MAX_SAMPLES ? 0 : this.#next;
    for (let n = 0; n < this.#stored; n++) {
      const i = (first + n) % MAX_SAMPLES;
      if (this.#ts[i] >= fromMs) out.push([this.#ts[i], this.#status[i], Math.round(this.#latency[i] * 100) / 100]);
    }
    return out;
  }
}

/** Per-release request metrics observed at the router: Prometheus text for dashboards, raw samples for the canary judge. */
export class RouterMetrics {
  readonly #releases = new Map<string, ReleaseMetrics>();

  record(version: string, status: number, latencyMs: number, now = Date.now()): void {
    let metrics = this.#releases.get(version);
    if (!metrics) {
      metrics = new ReleaseMetrics();
      this.#releases.set(version, metrics);
    }
    metrics.record(now, status, latencyMs);
  }

  /** Samples per release since `fromMs` (at most the last 10 minutes). */
  samples(fromMs: number, now = Date.now()): Record<string, Sample[]> {
    const from = Math.max(fromMs, now - SAMPLE_WINDOW_MS);
    return Object.fromEntries([...this.#releases].map(([version, m]) => [version, m.since(from)]));
  }

  prometheus(): string {
    const lines = [
      '# HELP pilot_router_requests_total Requests proxied by the router, by release and status code (0 = no response).',
      '# TYPE pilot_router_requests_total counter',
    ];
    for (const [version, m] of this.#releases) {
      for (const [code, n] of [...m.byCode].sort((a, b) => a[0] - b[0]))
        lines.push(`pilot_router_requests_total{release="${version}",code="${code}"} ${n}`);
    }
    lines.push(
      '# HELP pilot_router_request_duration_seconds Latency seen at the router, by release.',
      '# TYPE pilot_router_request_duration_seconds histogram',
    );
    for (const [version, m] of this.#releases) {
      BUCKETS.forEach((le, i) => {
        lines.push(`pilot_router_request_duration_seconds_bucket{release="${version}",le="${le}"} ${m.buckets[i]}`);
      });
      lines.push(
        `pilot_router_request_duration_seconds_bucket{release="${version}",le="+Inf"} ${m.count}`,
        `pilot_router_request_duration_seconds_sum{release="${version}"} ${m.sumSeconds}`,
        `pilot_router_request_duration_seconds_count{release="${version}"} ${m.count}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
