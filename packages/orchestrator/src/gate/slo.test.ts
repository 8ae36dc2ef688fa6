import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sample } from '@pilot/router';
import { judgeSlo } from './slo.ts';

const samples = (n: number, status: number, ms: number): Sample[] => Array.from({ length: n }, (_, i) => [i, status, ms]);

test('SLO from router samples: within targets passes with its figures; errors, lost answers and a slow p95 each fail naming the figure and the target', () => {
  const targets = { availabilityPercent: 99.5, errorRatePercent: 0.5, p95Ms: 500 };
  const good = judgeSlo([...samples(990, 200, 20), ...samples(10, 200, 400)], targets, 'router');
  assert.equal(good.status, 'pass');
  assert.match(good.detail, /availability 100\.00%, error rate 0\.00%, p95 20ms over 1000 requests — within targets/);
  const bad = judgeSlo([...samples(980, 200, 20), ...samples(10, 503, 20), ...samples(10, 0, 20)], targets, 'router');
  assert.equal(bad.status, 'fail');
  assert.equal(bad.detail, 'availability 98.00% < 99.5%; error rate 2.00% > 0.5%');
  const slow = judgeSlo(samples(100, 200, 900), targets, 'router');
  assert.equal(slow.detail, 'p95 900ms > 500ms');
  assert.equal(judgeSlo([], targets, 'router').status, 'n/a');
});
