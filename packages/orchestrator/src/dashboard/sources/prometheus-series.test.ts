import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseQueries } from './prometheus-series.ts';

test('the PromQL per release: {version} and {env} filled in as string contents (quotes escaped), rates over the window', () => {
  const q = releaseQueries(
    {
      requests: 'http_requests_total{env="{env}",version="{version}"}',
      errors: 'http_requests_total{version="{version}",code=~"5.."}',
      latency: 'latency_bucket{version="{version}"}',
      window: '1m',
    },
    { version: 'v"2\\', env: 'prod' },
  );
  assert.equal(q.rate, 'sum(rate(http_requests_total{env="prod",version="v\\"2\\\\"}[60s]))');
  assert.equal(
    q.errorRate,
    '(sum(rate(http_requests_total{version="v\\"2\\\\",code=~"5.."}[60s])) or vector(0)) / sum(rate(http_requests_total{env="prod",version="v\\"2\\\\"}[60s]))',
  );
  assert.equal(q.p99, 'histogram_quantile(0.99, sum by (le) (rate(latency_bucket{version="v\\"2\\\\"}[60s])))');
});
