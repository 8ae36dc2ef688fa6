import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sample } from '../rules/evaluate.ts';
import {
  bestPossiblePower,
  chanceOfFailing,
  failBoundary,
  worstFalsePositiveRate,
} from '../bench/error-test-limits.ts';
import { alphasOf, judgeCanary } from './judge.ts';
import { mannWhitneyGreater } from './tests.ts';
import { twoProportionGreater } from './two-proportion.ts';

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
// n requests of which exactly `errors` failed.
function withErrors(n: number, errors: number, seed: number): Sample[] {
  return samples(n, 100, 0, seed).map((s, i) => (i < errors ? [s[0], 500, s[2]] : s));
}

test('Mann-Whitney U and the two-proportion test agree with hand-computed values', () => {
  const mw = mannWhitneyGreater([1, 2, 3, 4], [5, 6, 7, 8]);
  assert.equal(mw.u, 16);
  assert.equal(mw.effect, 1);
  assert.ok(mw.p < 0.02);
  const prop = twoProportionGreater(2, 200, 10, 200);
  assert.ok(Math.abs(prop.z - 2.345) < 0.01, `z=${prop.z}`);
  // Exact unconditional p-value, checked against a 20 000-point maximisation over the common rate (0.0104257).
  assert.ok(Math.abs(prop.p - 0.0104257) < 1e-6, `p=${prop.p}`);
  assert.equal(twoProportionGreater(10, 200, 2, 200).p, 1);
});

test('1% → 5% errors at n = 200 (2 vs 10 failed requests) fails the candidate, and the verdict says why', () => {
  const j = judgeCanary(withErrors(200, 2, 11), withErrors(200, 10, 12));
  assert.equal(j.decision, 'fail');
  const errors = j.metrics.find((m) => m.metric === 'error_rate')!;
  assert.deepEqual([errors.result, errors.stable, errors.candidate], ['fail', 0.01, 0.05]);
  assert.match(errors.test, /exact unconditional two-proportion test \(pooled z\), one-sided: z=2\.34\d*, p=0\.0104/);
  assert.match(errors.threshold, /p < 0\.019 .*≥ 0\.01 above stable/);
  assert.equal(errors.detail, '10/200 candidate vs 2/200 stable requests failed');
  // With 2 stable errors the exact boundary is 9 candidate errors (p = 0.0187); 8 is not enough evidence (p = 0.0296).
  assert.equal(judgeCanary(withErrors(200, 2, 11), withErrors(200, 9, 12)).decision, 'fail');
  assert.equal(judgeCanary(withErrors(200, 2, 11), withErrors(200, 8, 12)).decision, 'pass');
});

test('identical releases fail at most 2% of the time: the two tests split that budget, the error test keeps its share exactly', () => {
  const { latencyAlpha, errorAlpha } = alphasOf({});
  assert.ok(Math.abs(latencyAlpha + errorAlpha - 0.02) < 1e-12);
  // Worst over every baseline error rate, small samples included (a normal approximation overshoots at n = 20–30).
  for (const n of [10, 20, 30, 200]) {
    const worst = worstFalsePositiveRate(failBoundary(n, errorAlpha, 0.01));
    assert.ok(worst <= errorAlpha, `n=${n}: worst false-positive rate ${worst}`);
  }
});

test('the error test is within 1 point of the best power any test with ≤ 2% false positives can have at n = 200, 1% → 5%', () => {
  const power = chanceOfFailing(failBoundary(200, alphasOf({}).errorAlpha, 0.01), 0.01, 0.05);
  const best = bestPossiblePower(200, 0.01, 0.05, 0.02);
  assert.ok(Math.abs(power - 0.65) < 0.001, `power ${power}`);
  assert.ok(best >= power && best - power < 0.01, `best ${best}`);
});

test('identical releases pass; every metric explains itself', () => {
  const j = judgeCanary(samples(200, 100, 0.01, 1), samples(200, 100, 0.01, 2));
  assert.equal(j.decision, 'pass');
  assert.equal(j.score, 100);
  for (const m of j.metrics)
    assert.ok(m.test && m.threshold && m.detail && m.stable !== undefined && m.candidate !== undefined);
});

test('a slower candidate fails on latency, a failing one on errors', () => {
  const slow = judgeCanary(samples(200, 100, 0.01, 3), samples(200, 130, 0.01, 4));
  assert.equal(slow.decision, 'fail');
  assert.equal(slow.metrics.find((m) => m.metric === 'latency')!.result, 'fail');
  const failing = judgeCanary(samples(200, 100, 0.0, 5), samples(200, 100, 0.2, 6));
  assert.equal(failing.decision, 'fail');
  assert.match(failing.metrics.find((m) => m.metric === 'error_rate')!.test, /exact unconditional two-proportion test/);
});

test('too few samples is inconclusive, never a pass (no-data policy)', () => {
  assert.equal(judgeCanary(samples(200, 100, 0, 7), samples(3, 100, 0, 8)).decision, 'nodata');
  assert.equal(judgeCanary([], []).decision, 'nodata');
});

test('sub-millisecond jitter is not a regression even when significant', () => {
  assert.equal(judgeCanary(samples(500, 1, 0, 9), samples(500, 1.5, 0, 10)).decision, 'pass');
});

// A busy host: the same service behind both sides, every request delayed by 0–8 ms of scheduling noise, one side
// additionally shifted by up to 8 ms for a whole window (a process that got descheduled more often).
function noisy(n: number, medianMs: number, shiftMs: number, seed: number): Sample[] {
  const r = rng(seed);
  return samples(n, medianMs, 0, seed + 1000).map(([ts, status, ms]) => [ts, status, ms + shiftMs + 8 * r()] as Sample);
}

test('identical releases with a few ms of host noise never fail the latency test (issue 24, item 8)', () => {
  for (let seed = 0; seed < 200; seed++) {
    const shift = (seed % 9) - 0.5;
    const n = [12, 50, 200][seed % 3];
    const j = judgeCanary(noisy(n * 4, 6, 0, 2 * seed + 1), noisy(n, 6, shift, 2 * seed + 2));
    assert.equal(
      j.metrics.find((m) => m.metric === 'latency')!.result,
      'pass',
      `seed ${seed}: ${j.metrics.find((m) => m.metric === 'latency')!.detail}`,
    );
  }
});

test('a real regression still fails on a noisy host: +50% at 80 ms (+40 ms), and +40 ms on a 6 ms service', () => {
  const slower = judgeCanary(noisy(200, 80, 0, 21), noisy(200, 120, 0, 22));
  assert.equal(slower.decision, 'fail');
  const latency = slower.metrics.find((m) => m.metric === 'latency')!;
  assert.equal(latency.result, 'fail');
  assert.match(latency.threshold, /median is ≥ \d+(\.\d+)? ms \(1\.1× stable and ≥ 25 ms above it\)/);
  assert.equal(judgeCanary(noisy(200, 6, 0, 23), noisy(50, 46, 0, 24)).decision, 'fail');
});

test('the latency floors are both needed: 24 ms slower on a 6 ms service, or 9% slower on a 500 ms one, passes', () => {
  assert.equal(
    judgeCanary(
      samples(500, 6, 0, 31),
      samples(500, 6, 0, 32).map(([t, s, ms]) => [t, s, ms + 24] as Sample),
    ).decision,
    'pass',
  );
  assert.equal(judgeCanary(samples(500, 500, 0, 33), samples(500, 545, 0, 34)).decision, 'pass');
  assert.equal(judgeCanary(samples(500, 500, 0, 35), samples(500, 600, 0, 36)).decision, 'fail');
});
