import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sample } from '../rules/evaluate.ts';
import { judgeCanary } from './judge.ts';
import { mannWhitneyGreater, twoProportionGreater } from './tests.ts';

// A small deterministic generator so the test cannot flake.
function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) % 2 ** 32;
    return seed / 2 ** 32;
  };
}
function samples(n: number, medianMs: number, errorRate: number, seed: number): Sample[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const z = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    return [i, r() < errorRate ? 500 : 200, medianMs * Math.exp(0.3 * z)] as Sample;
  });
}

test('Mann-Whitney U and the two-proportion test agree with hand-computed values', () => {
  const mw = mannWhitneyGreater([1, 2, 3, 4], [5, 6, 7, 8]);
  assert.equal(mw.u, 16);
  assert.equal(mw.effect, 1);
  assert.ok(mw.p < 0.02);
  const prop = twoProportionGreater(2, 200, 10, 200);
  assert.ok(Math.abs(prop.z - 2.345) < 0.01, `z=${prop.z}`);
});

test('identical releases pass; every metric explains itself', () => {
  const j = judgeCanary(samples(200, 100, 0.01, 1), samples(200, 100, 0.01, 2));
  assert.equal(j.decision, 'pass');
  assert.equal(j.score, 100);
  for (const m of j.metrics) assert.ok(m.test && m.threshold && m.detail && m.stable !== undefined && m.candidate !== undefined);
});

test('a slower candidate fails on latency, a failing one on errors', () => {
  const slow = judgeCanary(samples(200, 100, 0.01, 3), samples(200, 130, 0.01, 4));
  assert.equal(slow.decision, 'fail');
  assert.equal(slow.metrics.find((m) => m.metric === 'latency')!.result, 'fail');
  const failing = judgeCanary(samples(200, 100, 0.0, 5), samples(200, 100, 0.2, 6));
  assert.equal(failing.decision, 'fail');
  assert.match(failing.metrics.find((m) => m.metric === 'error_rate')!.test, /two-proportion z-test/);
});

test('too few samples is inconclusive, never a pass (no-data policy)', () => {
  assert.equal(judgeCanary(samples(200, 100, 0, 7), samples(3, 100, 0, 8)).decision, 'nodata');
  assert.equal(judgeCanary([], []).decision, 'nodata');
});

test('sub-millisecond jitter is not a regression even when significant', () => {
  assert.equal(judgeCanary(samples(500, 1, 0, 9), samples(500, 1.5, 0, 10)).decision, 'pass');
});
