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
  // A ring buffer: fixed memory, no per-request array growth.
  readonly samples: Sample[] = [];
  next = 0;

  record(sample: Sample): void {
    this.byCode.set(sample[1], (this.byCode.get(sample[1]) ?? 0) + 1);
    const seconds = sample[2] / 1000;
    this.count += 1;
    this.sumSeconds += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) this.buckets[i] += 1;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(sample);
    else this.samples[this.next] = sample;
    this.next = (this.next + 1) % MAX_SAMPLES;
  }

  since(fromMs: number): Sample[] {
    const ordered = this.samples.length < MAX_SAMPLES ? this.samples : [...this.samples.slice(this.next), ...this.samples.slice(0, this.next)];
    return ordered.filter((s) => s[0] >= fromMs);
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
    metrics.record([now, status, Math.round(latencyMs * 100) / 100]);
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
      for (const [code, n] of [...m.byCode].sort((a, b) => a[0] - b[0])) lines.push(`pilot_router_requests_total{release="${version}",code="${code}"} ${n}`);
    }
    lines.push('# HELP pilot_router_request_duration_seconds Latency seen at the router, by release.', '# TYPE pilot_router_request_duration_seconds histogram');
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
