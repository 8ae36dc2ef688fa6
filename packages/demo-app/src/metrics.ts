// Latency buckets in seconds, Prometheus' default set.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Request counts by status and path, and a latency histogram, rendered as Prometheus text (format 0.0.4). */
export class DemoMetrics {
  readonly #requests = new Map<string, number>();
  readonly #bucketCounts = new Array<number>(BUCKETS.length).fill(0);
  #count = 0;
  #sum = 0;

  observe(path: string, status: number, seconds: number): void {
    const key = `${status}\u0000${path}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    this.#count += 1;
    this.#sum += seconds;
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.#bucketCounts[i] += 1;
    });
  }

  render(version: string): string {
    const lines = [
      '# HELP demo_http_requests_total HTTP requests answered, by status code and path.',
      '# TYPE demo_http_requests_total counter',
    ];
    for (const [key, value] of [...this.#requests].sort()) {
      const [status, path] = key.split('\u0000');
      lines.push(`demo_http_requests_total{status="${status}",path="${escapeLabel(path)}"} ${value}`);
    }
    lines.push(
      '# HELP demo_http_request_duration_seconds Time to answer HTTP requests.',
      '# TYPE demo_http_request_duration_seconds histogram',
    );
    for (const [i, le] of BUCKETS.entries())
      lines.push(`demo_http_request_duration_seconds_bucket{le="${le}"} ${this.#bucketCounts[i]}`);
    lines.push(
      `demo_http_request_duration_seconds_bucket{le="+Inf"} ${this.#count}`,
      `demo_http_request_duration_seconds_sum ${this.#sum}`,
      `demo_http_request_duration_seconds_count ${this.#count}`,
      '# HELP demo_build_info The running release.',
      '# TYPE demo_build_info gauge',
      `demo_build_info{version="${escapeLabel(version)}"} 1`,
    );
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
