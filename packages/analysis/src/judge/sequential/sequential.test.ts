import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '@pilot/core';
import { simulateDeployment } from '../../bench/simulate-deployments.ts';
import type { Sample } from '../../rules/evaluate.ts';
import { addErrorLook, errorEValue, newErrorEvidence } from './error-evidence.ts';
import { addCountedLook, addLook, evidenceFor, judgeEvidence, newEvidence } from './sequential-judge.ts';

// One look of `n` requests per side, `errors` of them failed, latency `ms` (+ noise from the seed).
function side(n: number, errors: number, ms: number, random: () => number): Sample[] {
  return Array.from(
    { length: n },
    (_, i) => [i, i < errors ? 500 : 200, ms * Math.exp(0.3 * (random() - 0.5) * 3.4)] as Sample,
  );
}

test('identical releases are rolled back in at most alpha of whole deployments (5 → 25 → 50, 1 s looks), at every baseline error rate', () => {
  // alpha 0.1 here, so that a few hundred seeded deployments can show the bound is kept (the default 0.02 needs thousands: pnpm bench).
  for (const errorRate of [0, 0.01, 0.05]) {
    let rolledBack = 0;
    const runs = 100;
    for (let seed = 1; seed <= runs; seed++) {
      const same = { errorRate, medianMs: 100 };
      if (
        simulateDeployment({ rate: 50, stable: same, candidate: same }, seed, { alpha: 0.1 }, false).sequential
          .rollbackS !== undefined
      )
        rolledBack++;
    }
    assert.ok(
      rolledBack / runs <= 0.1,
      `baseline ${errorRate}: ${rolledBack} of ${runs} identical deployments rolled back`,
    );
  }
});

test("the error test is a martingale under the null at any weight and baseline: each look's expected e-value is exactly 1", () => {
  // Summed over every outcome of one look when both sides fail at the same rate: Σ P(counts) × e = 1.
  const pmf = (n: number, rate: number) => {
    const out = [(1 - rate) ** n];
    for (let k = 1; k <= n; k++) out.push((out[k - 1] * (n - k + 1) * rate) / (k * (1 - rate)));
    return out;
  };
  for (const [nC, nS, rate] of [
    [3, 47, 0.05],
    [12, 13, 0.2],
    [25, 25, 0.5],
    [40, 10, 0.01],
  ] as const) {
    const [pC, pS] = [pmf(nC, rate), pmf(nS, rate)];
    let mean = 0;
    for (let c = 0; c <= nC; c++)
      for (let s = 0; s <= nS; s++) mean += pC[c] * pS[s] * errorEValue(addErrorLook(newErrorEvidence(), nC, c, nS, s));
    assert.ok(Math.abs(mean - 1) < 1e-9, `${nC}/${nS} at ${rate}: mean e-value ${mean}`);
  }
});

test('1% → 5% errors is rolled back within the deployment, and the verdict explains itself (e-value, looks, counts, quantiles, tolerance)', () => {
  const outcome = simulateDeployment(
    { rate: 50, stable: { errorRate: 0.01, medianMs: 100 }, candidate: { errorRate: 0.05, medianMs: 100 } },
    3,
    {},
    false,
  );
  assert.ok(
    outcome.sequential.rollbackS !== undefined && outcome.sequential.rollbackS < 90,
    `rolled back at ${outcome.sequential.rollbackS}`,
  );
  let e = newEvidence('v2', 'v1');
  const random = seededRandom(11);
  for (let look = 0; look < 20; look++)
    e = addLook(e, side(40, look % 3 === 0 ? 1 : 0, 100, random), side(10, look % 2 === 0 ? 1 : 0, 100, random), {});
  const j = judgeEvidence(e);
  assert.equal(j.decision, 'fail');
  const errors = j.metrics.find((m) => m.metric === 'error_rate')!;
  assert.equal(errors.result, 'fail');
  assert.equal(errors.detail, '10/200 candidate vs 7/800 stable requests failed');
  assert.match(errors.test, /anytime-valid: e=\d+(\.\d+)?(e\+\d+)?, p≤0\.0\d+ after 20 looks/);
  assert.match(
    errors.threshold,
    /fail when e ≥ 100 \(α=0\.01 for the whole deployment\) and the error rate is ≥ 0\.01 above stable/,
  );
  assert.match(
    j.metrics.find((m) => m.metric === 'latency')!.detail,
    /^latency p50 \d+(\.\d)? ms vs \d+(\.\d)? ms, p95 .* \(candidate vs stable\)$/,
  );
});

test('latency: +50% on a 100 ms service is rolled back; +20 ms (under the 25 ms floor) and a 20 ms host-noise shift of one side are not', () => {
  const slower = simulateDeployment(
    { rate: 50, stable: { errorRate: 0, medianMs: 100 }, candidate: { errorRate: 0, medianMs: 150 } },
    5,
    {},
    false,
  );
  assert.ok(
    slower.sequential.rollbackS !== undefined && slower.sequential.rollbackS <= 30,
    `+50% rolled back at ${slower.sequential.rollbackS}`,
  );
  const random = seededRandom(13);
  for (const shift of [20, 0]) {
    let e = newEvidence('v2', 'v1');
    for (let look = 0; look < 90; look++)
      e = addLook(
        e,
        side(40, 0, 6, random),
        side(10, 0, 6, random).map(([t, s, ms]) => [t, s, ms + shift + 8 * random()] as Sample),
        {},
      );
    const latency = judgeEvidence(e).metrics.find((m) => m.metric === 'latency')!;
    assert.equal(latency.result, 'pass', `${shift} ms: ${latency.test}`);
  }
});

test('evidence is carried across steps and through the journal: a resumed judge continues from the same e-values and looks', () => {
  const random = seededRandom(17);
  const looks = Array.from({ length: 30 }, (_, i) => ({
    stable: side(i < 15 ? 47 : 25, i % 4 === 0 ? 1 : 0, 100, random),
    candidate: side(i < 15 ? 3 : 25, i % 3 === 0 ? 1 : 0, 100, random),
  }));
  let straight = newEvidence('v2', 'v1');
  for (const l of looks) straight = addLook(straight, l.stable, l.candidate);
  // Steps at 5% then 50%, killed after look 20: the journal's copy (JSON) is what the resumed run starts from.
  let first = newEvidence('v2', 'v1');
  for (const l of looks.slice(0, 20)) first = addLook(first, l.stable, l.candidate);
  let resumed = evidenceFor(JSON.parse(JSON.stringify(first)), 'v2', 'v1')!;
  assert.equal(resumed.looks, 20);
  for (const l of looks.slice(20)) resumed = addLook(resumed, l.stable, l.candidate);
  assert.deepEqual(judgeEvidence(resumed), judgeEvidence(straight));
  assert.equal(resumed.looks, 30);
  // Evidence for another candidate or stable is never reused.
  assert.equal(evidenceFor(JSON.parse(JSON.stringify(first)), 'v3', 'v1'), undefined);
});

test('from Prometheus counters: a release two buckets slower (≤ 25 ms → ≤ 100 ms) is rolled back on latency; identical bucket counts never are', () => {
  const random = seededRandom(19);
  // Prometheus' default buckets in ms; a look's requests spread around a bucket by the seed.
  const les = [5, 10, 25, 50, 100, 250, 500, 1000, Number.POSITIVE_INFINITY];
  const look = (n: number, errors: number, centre: number) => {
    const counts = les.map(() => 0);
    for (let i = 0; i < n; i++) counts[Math.min(les.length - 1, centre + (random() < 0.2 ? 1 : 0))]++;
    return { requests: n, errors, buckets: les.map((le, i): [number, number] => [le, counts[i]]) };
  };
  let slower = newEvidence('v2', 'v1');
  let same = newEvidence('v2', 'v1');
  for (let i = 0; i < 30; i++) {
    slower = addCountedLook(slower, look(40, 0, 2), look(10, 0, 4));
    same = addCountedLook(same, look(40, 0, 2), look(10, 0, 2));
  }
  const latency = judgeEvidence(slower).metrics.find((m) => m.metric === 'latency')!;
  assert.equal(latency.result, 'fail', latency.test);
  assert.match(
    latency.detail,
    /^latency p50 99\.6 ms vs 24\.7 ms, .* \(candidate vs stable, at Prometheus bucket bounds\)$/,
  );
  assert.equal(judgeEvidence(same).decision, 'pass');
  assert.equal(
    same.latency.scoreSum,
    0,
    'a pair in the same or a neighbouring bucket is never counted slower by more than the margin',
  );
});
