import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort } from '@pilot/core';
import { startDemo } from '@pilot/demo-app/testing';
import { missing, startPrometheus } from '@pilot/core/testing';
import { queryPrometheus, queryPrometheusRange } from './prometheus-api.ts';
import { parsePrometheusText } from './prometheus-text.ts';

test('the text parser reads the demo service and router formats, labels with escapes included', () => {
  const samples = parsePrometheusText(
    '# HELP x A thing.\n# TYPE x counter\nx{a="1",b="q\\"uote"} 3 1700000000000\ny +Inf\nz NaN\n',
  );
  assert.deepEqual(samples.slice(0, 2), [
    { name: 'x', labels: { a: '1', b: 'q"uote' }, value: 3 },
    { name: 'y', labels: {}, value: Number.POSITIVE_INFINITY },
  ]);
  assert.throws(() => parsePrometheusText('# TYPE x countr\n'), /line 1: unknown metric type/);
  assert.throws(() => parsePrometheusText('x 1 2 3\n'), /line 1: expected a value and an optional integer timestamp/);
});

test(`PromQL instant and range queries against a real Prometheus scraping the demo${missing.prometheus ? ` (skipped: ${missing.prometheus})` : ''}`, {
  skip: Boolean(missing.prometheus),
}, async (t) => {
  const demo = await startDemo({ PILOT_RELEASE: 'v9' });
  const prom = await startPrometheus([`127.0.0.1:${demo.port}`]);
  t.after(() => Promise.all([prom.stop(), demo.stop()]));
  // Wait for the first scrapes.
  let value = Number.NaN;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && Number.isNaN(value)) {
    value = await queryPrometheus(prom.url, 'demo_build_info{version="v9"}');
    if (Number.isNaN(value)) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.equal(value, 1);
  assert.equal(await queryPrometheus(prom.url, 'up'), 1);
  const range = await queryPrometheusRange(prom.url, 'up', Date.now() - 5000, Date.now(), 1);
  assert.ok(range.length > 0 && range.every(([, v]) => v === 1));
  assert.ok(Number.isNaN(await queryPrometheus(prom.url, 'no_such_metric')), 'no data is NaN, not 0');
  await assert.rejects(queryPrometheus(prom.url, 'sum(('), /Prometheus rejected the query: bad_data: .*parse error/);
  await assert.rejects(
    queryPrometheus(`http://127.0.0.1:${await freePort()}`, 'up'),
    /Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/,
  );
});
