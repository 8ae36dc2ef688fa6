import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SPAN_MS, STEP_MS, type Sample, SeriesWindow, bucketize } from './series.ts';

test('bucketize: rate per second, 5xx and no-answer as errors, nearest-rank p95/p99, empty buckets without latency', () => {
  const samples: Sample[] = [];
  for (let i = 0; i < 100; i++) samples.push([1000 + i * 10, i < 5 ? 503 : i === 5 ? 0 : 200, i + 1]);
  const [first, empty] = bucketize(samples, 1000, 1000 + 2 * STEP_MS);
  assert.deepEqual(first, { t: 1000, n: 100, rate: 50, errorRate: 0.06, p95: 95, p99: 99 });
  assert.deepEqual(empty, { t: 1000 + STEP_MS, n: 0, rate: 0, errorRate: null, p95: null, p99: null });
});

test('SeriesWindow keeps 15 minutes per release and drops a release with no traffic left in the window', () => {
  const start = 1_000_000_000_000;
  const series = new SeriesWindow(start);
  for (let now = start; now <= start + 20 * 60_000; now += 10_000) {
    const samples: Record<string, Sample[]> = { v2: [[now - 1000, 200, 2]] };
    // `old` served only in the first 5 minutes.
    if (now - 5000 < start + 5 * 60_000) samples.old = [[now - 5000, 200, 1]];
    series.record(samples, now);
  }
  const snapshot = series.snapshot();
  assert.equal(snapshot.v2.length, SPAN_MS / STEP_MS);
  assert.equal(snapshot.old, undefined);
});
